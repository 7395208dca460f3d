//! Opt-out monitoring: `POST /v2/optout/status`.

use uid2::operator::optout_status::{OptoutStatusRequest, OptoutStatusResponse};

use crate::error::Error;
use crate::operator::Operator;

/// Asks which raw UID2s have opted out, and since when.
///
/// ```no_run
/// use uid2::operator::optout_status::OptoutStatusRequest;
/// use uid2_blocking::{ClientConfig, OptOutStatusClient};
///
/// let client = OptOutStatusClient::new(ClientConfig::new("https://operator-integ.uidapi.com", "key", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=")?)?;
/// let raw_uid = "AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwfqhj7";
/// let response = client.get_optout_status(OptoutStatusRequest::new([raw_uid])?)?;
/// println!("opted out since {:?}", response.opted_out_since(raw_uid));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct OptOutStatusClient {
    operator: Operator,
}

impl OptOutStatusClient {
    crate::operator::operator_client_constructors!();

    /// Which of the request's raw UID2s opted out.
    ///
    /// # Errors
    /// [`Error::Transport`], [`Error::Timeout`], [`Error::Http`], or [`Error::Core`] when the
    /// reply is rejected.
    pub fn get_optout_status(
        &self,
        request: OptoutStatusRequest,
    ) -> Result<OptoutStatusResponse, Error> {
        self.operator.call(&request)
    }
}
