//! Endpoints defined in a library crate, collected by binaries that link it.
