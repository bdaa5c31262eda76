//! Any request to the server's request path: answered below 500, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| webhooks_tests::fuzz_checks::check_request(data));
