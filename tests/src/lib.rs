//! Black-box tests of the webhooks framework live in `tests/`.
