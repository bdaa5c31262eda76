//! Any bytes as a webhook body: parsing never panics and round-trips what it accepts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| webhooks_tests::fuzz_checks::check_payload(data));
