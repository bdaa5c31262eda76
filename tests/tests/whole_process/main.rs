//! The black-box tests that see the whole process, as one test binary beside `all`: what every
//! `#[webhook_endpoint]` linked into the binary adds up to (here, this binary's own and a
//! linked library's), and the folders this process leaves in the temporary directory, which
//! the tests of `all` would create concurrently.

mod journal_cleanup;
mod registry;
