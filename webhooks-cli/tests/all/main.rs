//! `hf-webhooks` as a user runs it, as one test binary: the commands against a real server on
//! loopback (`cli`), `hub` against the fake Hub, and `relay` with `forward`.

mod cli;
mod hub;
mod relay;
