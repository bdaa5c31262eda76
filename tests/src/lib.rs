//! Black-box tests of the webhooks framework live in `tests/`; this library holds the checks the
//! fuzz targets (`fuzz/`) run, so that the same checks also run on stable Rust over the fixtures,
//! the fake Hub the Hub client and `hf-webhooks hub` are tested against, and the one bounded poll
//! the tests wait with.

pub mod eventually;
pub mod fake_hub;
pub mod fuzz_checks;
