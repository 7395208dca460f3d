//! `decrypt`: see [`uid2_fuzz::decrypt`] for the input and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| uid2_fuzz::decrypt(data));
