//! What can go wrong talking to the Hub, said with what the Hub answered and which token was
//! used (its source, never the token).

use std::path::PathBuf;

use crate::hub::token_source::TokenSource;

/// A call to the Hub's webhook API that did not succeed.
///
/// ```
/// use webhooks_runtime::hub::HubError;
///
/// fn explain(error: &HubError) -> String {
///     match error.status() {
///         Some(401) => format!("log in again: {error}"),
///         _ => error.to_string(),
///     }
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HubError {
    /// No token in the places huggingface_hub looks.
    #[error(
        "no Hugging Face token: set HF_TOKEN to a user access token with write access (https://huggingface.co/settings/tokens), or log in with `hf auth login`; looked at HF_TOKEN, HUGGING_FACE_HUB_TOKEN and {}",
        token_file.display()
    )]
    NoToken {
        /// The token file looked at.
        token_file: PathBuf,
    },

    /// The token file exists but cannot be read.
    #[error("cannot read the token file {}: {reason}", path.display())]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },

    /// The Hub answered with a status other than 2xx.
    #[error("{}", describe_answer(.action, *.status, .message, .token))]
    Answered {
        /// What was asked: `list webhooks`, `update webhook 6612…`.
        action: String,
        /// The HTTP status.
        status: u16,
        /// The Hub's `error` text, or its body, or the status's reason.
        message: String,
        /// Which token was sent.
        token: TokenSource,
    },

    /// No answer: the Hub cannot be reached (DNS, connection, TLS, timeout).
    #[error("cannot reach the Hub at {endpoint}: {reason}")]
    Unreachable {
        /// `HF_ENDPOINT`, or `https://huggingface.co`.
        endpoint: String,
        /// What failed.
        reason: String,
    },

    /// A 2xx answer that is not what the API returns.
    #[error("the Hub's answer to {action} is not what its API returns: {reason}")]
    UnexpectedAnswer {
        /// What was asked.
        action: String,
        /// What did not fit.
        reason: String,
    },

    /// More than one webhook targets the URL [`HubClient::apply_webhook`](crate::hub::HubClient::apply_webhook)
    /// was asked to make match: which to keep is for the user to say.
    #[error(
        "{} webhooks target {url} ({}): delete the extra ones (`hf-webhooks hub delete ID`), then apply again",
        ids.len(),
        ids.join(", ")
    )]
    Ambiguous {
        /// The URL.
        url: String,
        /// The webhooks that target it.
        ids: Vec<String>,
    },
}

impl HubError {
    /// The Hub's HTTP status, when it answered.
    ///
    /// ```
    /// let error = webhooks_runtime::hub::HubError::Ambiguous { url: "https://x".into(), ids: vec![] };
    /// assert_eq!(error.status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            HubError::Answered { status, .. } => Some(*status),
            _ => None,
        }
    }
}

fn describe_answer(action: &str, status: u16, message: &str, token: &TokenSource) -> String {
    let hint = match status {
        401 => format!(
            "; the token (from {token}) is missing or invalid: create a user access token with write access at https://huggingface.co/settings/tokens"
        ),
        403 => format!(
            "; the token (from {token}) may not manage webhooks: it needs write access (a fine-grained token needs the webhooks permission)"
        ),
        _ => format!(" (token from {token})"),
    };
    format!("the Hub answered {status} to {action}: {message}{hint}")
}
