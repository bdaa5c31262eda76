//! The web side: the shared state, the one router, the secret, and the request's path through
//! them to a handler, a fixed page or the delivery API; and the `tower` service that exposes it
//! all without a socket.

pub(crate) mod app;
pub(crate) mod body;
pub(crate) mod credentials;
pub(crate) mod delivery_api;
pub(crate) mod hosts;
pub(crate) mod pipeline;
pub(crate) mod relay_next;
pub(crate) mod router;
pub(crate) mod secret;
pub(crate) mod service;
pub(crate) mod webhook;
