//! The Hub's webhook API, from code (feature `hub`): list, read, create (to a URL or a Job),
//! update, enable, disable and delete the webhooks of the account a token belongs to, and
//! [`HubClient::apply_webhook`], which makes the webhook at a URL match what a deploy wants.
//!
//! The wire format is huggingface_hub's (`hf_api.py`, `create_webhook` … `delete_webhook`), with
//! two of its traps left out: an update without a watched list keeps the current one (instead
//! of sending `[]`), and nothing here prints a secret or the token. The token is found as
//! huggingface_hub finds it ([`Token::from_environment`]); the Hub is `HF_ENDPOINT`, else
//! <https://huggingface.co>.
//!
//! ```no_run
//! use webhooks_runtime::hub::{DesiredWebhook, HubClient};
//!
//! # async fn deploy() -> Result<(), webhooks_runtime::hub::HubError> {
//! let hub = HubClient::from_environment()?;
//! let applied = hub
//!     .apply_webhook(
//!         &DesiredWebhook::new(
//!             "https://acme-bot.hf.space/webhooks/retrain",
//!             vec!["dataset:acme/data".parse().expect("a watched item")],
//!         )
//!         .secret(std::env::var("WEBHOOK_SECRET").unwrap_or_default()),
//!     )
//!     .await?;
//! println!("{applied}"); // created 6612…, updated 6612… (watched), or unchanged 6612…
//! # Ok(())
//! # }
//! ```

mod apply;
mod client;
mod error;
mod token;
mod token_source;
mod types;

pub use apply::{Applied, Change, DesiredWebhook};
pub use client::{DEFAULT_ENDPOINT, DEFAULT_TIMEOUT, HubClient};
pub use error::HubError;
pub use token::Token;
pub use token_source::TokenSource;
pub use types::{
    Domain, NewWebhook, ParseError, WATCHED_KINDS, WatchedItem, WatchedKind, WebhookInfo,
    WebhookTarget, WebhookUpdate, parse_watched_list,
};
