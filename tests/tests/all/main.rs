//! The black-box tests that register no `#[webhook_endpoint]`, as one test binary: each module
//! was a binary of its own, and each linked the whole runtime. The tests in `tests/tests/*.rs`
//! stay binaries of their own: `#[webhook_endpoint]` registers at link time, for the whole
//! binary, and those tests assert what their binary registers (its start messages, its
//! OpenAPI document, its duplicate paths); `test_server_cleanup` counts this process's folders.

#[path = "../common/mod.rs"]
mod common;

mod compiletest;
mod cross_site;
mod doc_examples;
mod embed_in_axum;
mod fuzz_corpus;
mod hub_delivery;
mod journal_postgres;
mod layout;
mod paths;
mod process;
mod replicas;
mod space;
