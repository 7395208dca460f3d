//! `Debug` of values that hold raw UIDs or tokens prints neither, like `IdentityTokens`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed expectation panics"
)]

use uid2::operator::OperatorCall as _;
use uid2::operator::identity_map_v2::IdentityMapV2Request;
use uid2::operator::identity_map_v3::IdentityMapV3Input;
use uid2::operator::optout_status::OptoutStatusRequest;
use uid2::random::ReplayRandom;
use uid2::token::ClientType;
use uid2::{KeySet, Timestamp};

const RAW_UID: &str = "AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwfqhj7";
const PREVIOUS: &str = "BbbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwfqhj7";
const KEYS: &str = r#"{"body":{"caller_site_id":9000,"master_keyset_id":1,"default_keyset_id":99999,
 "token_expiry_seconds":2592000,"max_sharing_lifetime_seconds":2592010,
 "keys":[{"id":164,"keyset_id":1,"created":1600000000,"activates":1600000000,"expires":2000000000,
          "secret":"iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs="},
         {"id":165,"keyset_id":99999,"created":1600000000,"activates":1600000000,"expires":2000000000,
          "secret":"IPsHwoSa+lbKdGgdg8CL1zCkC0HibqcObDP+fUEYF4U="}]},"status":"success"}"#;

fn assert_hidden(debug: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!debug.contains(secret), "{debug}");
    }
    assert!(debug.contains("redacted"), "{debug}");
}

#[test]
fn raw_uid_and_sharing_token() {
    let keys = KeySet::parse(KEYS.as_bytes()).unwrap();
    let now = Timestamp::from_secs(1_700_000_000).unwrap();
    let token = keys
        .encrypt(RAW_UID, now, &mut ReplayRandom::new(&[9; 32]))
        .unwrap();
    assert_hidden(&format!("{token:?}"), &[token.as_str()]);
    let decrypted = keys
        .decrypt(token.as_str(), ClientType::Sharing, None, now)
        .unwrap();
    assert_eq!(decrypted.uid().as_str(), RAW_UID);
    assert_hidden(&format!("{:?}", decrypted.uid()), &[RAW_UID]);
    assert_hidden(&format!("{decrypted:?}"), &[RAW_UID]);
}

#[test]
fn mapped_identities_and_opt_out_entries() {
    let mut input = IdentityMapV3Input::new();
    input.add_email("user@example.com").unwrap();
    let request = input.into_request();
    let doc = format!(
        r#"{{"status":"success","body":{{"email_hash":[{{"u":"{RAW_UID}","p":"{PREVIOUS}","r":1735689600}}],"phone_hash":[]}}}}"#
    );
    let response = request.read_reply(doc.as_bytes()).unwrap();
    let mapped = response.get_mapped("user@example.com").unwrap();
    assert_hidden(&format!("{mapped:?}"), &[RAW_UID, PREVIOUS]);

    let request = IdentityMapV2Request::from_emails(["user@example.com"]).unwrap();
    let doc = format!(
        r#"{{"status":"success","body":{{"mapped":[{{"identifier":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=","advertising_id":"{RAW_UID}","bucket_id":"b1"}}]}}}}"#
    );
    let response = request.read_reply(doc.as_bytes()).unwrap();
    let mapped = response.mapped().values().next().unwrap();
    assert_eq!(mapped.raw_uid(), RAW_UID);
    assert_hidden(&format!("{mapped:?}"), &[RAW_UID]);

    let request = OptoutStatusRequest::new([RAW_UID]).unwrap();
    let doc = format!(
        r#"{{"status":"success","body":{{"opted_out":[{{"advertising_id":"{RAW_UID}","opted_out_since":1735689600000}}]}}}}"#
    );
    let response = request.read_reply(doc.as_bytes()).unwrap();
    assert_hidden(&format!("{response:?}"), &[RAW_UID]);
    let entry = response.opted_out().first().unwrap();
    assert_eq!(entry.raw_uid(), RAW_UID);
    assert_hidden(&format!("{entry:?}"), &[RAW_UID]);
}
