//! `identity_map_v3`: see [`uid2_fuzz::identity_map_v3`] for the input and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| uid2_fuzz::identity_map_v3(data));
