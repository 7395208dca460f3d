//! `envelope_request`: see [`uid2_fuzz::envelope_request`] for the input and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| uid2_fuzz::envelope_request(data));
