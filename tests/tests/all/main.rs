//! The black-box tests, as one test binary (each module was a binary of its own, and each
//! linked the whole runtime). `#[webhook_endpoint]` registers at link time, for the whole
//! binary: a module that registers endpoints serves only its own, through its `builder()`
//! (`include_registered_in(module_path!())`). What must see the whole process (every endpoint
//! the binary registers, this process's folders) is in `tests/tests/whole_process/`.

#[path = "../common/mod.rs"]
mod common;

mod cross_site;
mod deliveries;
mod delivery_argument;
mod doc_examples;
mod duplicate_paths;
mod embed_in_axum;
mod filters;
mod fuzz_corpus;
mod hardening;
mod hostile_input;
mod hub_delivery;
mod journal_postgres;
mod layout;
mod metrics;
mod openapi;
mod paths;
mod process;
mod protocols;
mod replicas;
mod server;
mod space;
