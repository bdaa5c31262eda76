//! Black-box tests of the webhooks framework live in `tests/`; this library holds the checks the
//! fuzz targets (`fuzz/`) run, so that the same checks also run on stable Rust over the fixtures.

pub mod fuzz_checks;
