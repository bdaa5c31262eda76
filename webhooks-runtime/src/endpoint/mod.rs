//! What an endpoint is once gathered (from `#[webhook_endpoint]` or the builder), and the one way
//! its handler is run, for a request, a background worker or a replay alike.

pub(crate) mod catch_panic;
pub(crate) mod deadline;
pub(crate) mod handler;
pub(crate) mod invoke;
pub(crate) mod registry;
pub(crate) mod route;
