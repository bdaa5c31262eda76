//! Where a [`Token`](crate::hub::Token) came from, which errors name instead of the token.

use std::fmt;
use std::path::PathBuf;

/// Where a [`Token`](crate::hub::Token) came from: errors name this, never the token.
///
/// ```
/// use webhooks_runtime::hub::{Token, TokenSource};
///
/// assert_eq!(Token::new("hf_xxx").source().to_string(), "the token given explicitly");
/// assert_eq!(TokenSource::Variable("HF_TOKEN").to_string(), "HF_TOKEN");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenSource {
    /// Given by the program ([`Token::new`](crate::hub::Token::new), `--token`).
    Given,
    /// An environment variable: `HF_TOKEN` or `HUGGING_FACE_HUB_TOKEN`.
    Variable(&'static str),
    /// A file: `HF_TOKEN_PATH`, or `token` in the Hugging Face home (`hf auth login` writes it).
    File(PathBuf),
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Given => f.write_str("the token given explicitly"),
            TokenSource::Variable(name) => write!(f, "{name}"),
            TokenSource::File(path) => write!(f, "the file {}", path.display()),
        }
    }
}
