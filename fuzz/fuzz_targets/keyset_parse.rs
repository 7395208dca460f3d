//! `keyset_parse`: see [`uid2_fuzz::keyset_parse`] for the input and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| uid2_fuzz::keyset_parse(data));
