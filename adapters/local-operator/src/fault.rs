//! Fault injection: what the operator does instead of answering normally.

/// A misbehaviour the operator can be told to show, at run time, through the
/// [`LocalOperator`](crate::LocalOperator) handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Fault {
    /// Answer normally.
    #[default]
    None,
    /// HTTP 401 with `{"status":"unauthorized"}`, whatever the credentials.
    Unauthorized,
    /// HTTP 429 with an empty body (rate limited).
    RateLimited,
    /// HTTP 500 with `{"status":"unknown","message":"injected failure"}`.
    ServerError,
    /// Any HTTP status with an empty body.
    Status(u16),
    /// HTTP 200 with a body that is not an envelope (not even base64).
    Garbage,
    /// HTTP 200 with a well-formed envelope sealed with another key (authentication fails).
    WrongKey,
    /// HTTP 200 with an authentic envelope that echoes the wrong nonce. On
    /// `/v2/token/refresh`, which has no nonce, the reply is sealed with another key.
    WrongNonce,
    /// Read the request, then never answer (the connection stays open until shutdown).
    Hang,
    /// The operator is down: connections are refused (the listening socket is closed) and
    /// open connections are closed at once. Ends when the fault is cleared.
    Outage,
}

/// Where and how often a fault applies.
#[derive(Clone, Debug)]
pub(crate) struct FaultRule {
    pub(crate) fault: Fault,
    /// Only requests to this path; `None` = every path.
    pub(crate) path: Option<String>,
    /// How many more requests it applies to; `None` = until cleared.
    pub(crate) remaining: Option<u32>,
}

impl FaultRule {
    pub(crate) fn matches(&self, path: &str) -> bool {
        self.path.as_deref().is_none_or(|p| p == path)
    }
}

/// Picks the fault for a request to `path` and counts it against its rule: counted rules first
/// (oldest first), then path rules, then the global rule.
pub(crate) fn take_fault(rules: &mut Vec<FaultRule>, path: &str) -> Fault {
    let pick = rules
        .iter()
        .position(|r| r.remaining.is_some() && r.matches(path))
        .or_else(|| {
            rules
                .iter()
                .rposition(|r| r.path.is_some() && r.matches(path))
        })
        .or_else(|| rules.iter().rposition(|r| r.path.is_none()));
    let Some(i) = pick else {
        return Fault::None;
    };
    let Some(rule) = rules.get_mut(i) else {
        return Fault::None;
    };
    let fault = rule.fault;
    if let Some(n) = rule.remaining.as_mut() {
        *n = n.saturating_sub(1);
        if *n == 0 {
            rules.remove(i);
        }
    }
    fault
}

/// Whether a global outage is in force (connections must be refused).
pub(crate) fn outage(rules: &[FaultRule]) -> bool {
    rules
        .iter()
        .rev()
        .find(|r| r.path.is_none() && r.remaining.is_none())
        .is_some_and(|r| r.fault == Fault::Outage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_rules_win_and_counts_run_out() {
        let mut rules = vec![
            FaultRule {
                fault: Fault::ServerError,
                path: None,
                remaining: None,
            },
            FaultRule {
                fault: Fault::Garbage,
                path: Some("/v2/key/sharing".into()),
                remaining: Some(2),
            },
        ];
        assert_eq!(take_fault(&mut rules, "/v2/key/sharing"), Fault::Garbage);
        assert_eq!(
            take_fault(&mut rules, "/v2/token/generate"),
            Fault::ServerError
        );
        assert_eq!(take_fault(&mut rules, "/v2/key/sharing"), Fault::Garbage);
        assert_eq!(
            take_fault(&mut rules, "/v2/key/sharing"),
            Fault::ServerError
        );
        assert!(!outage(&rules));
        rules.push(FaultRule {
            fault: Fault::Outage,
            path: None,
            remaining: None,
        });
        assert!(outage(&rules));
    }
}
