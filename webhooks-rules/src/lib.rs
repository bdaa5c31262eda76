//! The rules `#[webhook_endpoint]` checks at compile time and the runtime checks at start, in one
//! place so both refuse exactly the same things: what an endpoint path may be, and which filter
//! values the Hub could ever send.
//!
//! This crate has no dependencies, so the attribute's build does not wait for the payload types.
//! Users reach these rules through `webhooks_core::path` and `webhooks_core::filter`.

pub mod filter;
pub mod path;
