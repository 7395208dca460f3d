//! Any bytes as a decrypted operator document (token generate and refresh, identity map v2 and
//! v3, opt-out status, salt buckets) or as a Gigya response, JWK set, id_token, URL or `Date`
//! header: a typed error or a value, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uid2::gigya::{self, Endpoint, Jwks, Response};
use uid2::operator::TokenResponse;
use uid2::operator::identity_map_v2::IdentityMapV2Request;
use uid2::operator::identity_map_v3::IdentityMapV3Input;
use uid2::operator::optout_status::OptoutStatusRequest;
use uid2::operator::salt_buckets::SaltBucketsRequest;
use uid2::operator::salt_buckets::parse_utc_date_time;
use uid2_fuzz::NOW;

fuzz_target!(|data: &[u8]| {
    let _ = TokenResponse::from_generate_document(data);
    let _ = TokenResponse::from_refresh_document(data, NOW);

    if let Ok(input) = IdentityMapV3Input::from_emails(["a@example.com", "b@example.com"]) {
        let _ = input.into_request().parse_response(data);
    }
    if let Ok(request) = IdentityMapV2Request::from_emails(["a@example.com", "b@example.com"]) {
        let _ = request.parse_response(data);
    }
    if let Ok(request) = OptoutStatusRequest::new(["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="])
    {
        let _ = request.parse_response(data);
    }
    if let Ok(request) = SaltBucketsRequest::since(NOW) {
        let _ = request.parse_response(data);
    }

    let _ = Response::parse(data);
    let text = String::from_utf8_lossy(data);
    if let Ok(jwks) = Jwks::parse(data).or_else(|_| Jwks::parse(br#"{"keys":[]}"#)) {
        let _ = gigya::validate_id_token(&text, &jwks, "api-key", NOW, 300);
    }
    let _ = Endpoint::parse(&text);
    let _ = gigya::parse_http_date(&text);
    let _ = parse_utc_date_time(&text);
});
