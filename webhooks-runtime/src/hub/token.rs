//! The user access token, found where huggingface_hub finds it (`constants.py`, `utils/_auth.py`;
//! HUB-WEBHOOKS.md §11), and where it came from, said in errors instead of the token.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::hub::error::HubError;
use crate::hub::token_source::TokenSource;

/// A Hugging Face user access token. Its `Debug` and `Display` never show it.
///
/// ```
/// use webhooks_runtime::hub::{Token, TokenSource};
///
/// let token = Token::new("hf_xxx");
/// assert_eq!(token.source(), &TokenSource::Given);
/// assert!(!format!("{token:?}").contains("hf_xxx"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    value: String,
    source: TokenSource,
}

impl Token {
    /// A token the program has (from its own settings, or a `--token`), whitespace trimmed.
    ///
    /// ```
    /// let token = webhooks_runtime::hub::Token::new(std::env::var("MY_BOT_HF_TOKEN").unwrap_or_default());
    /// ```
    pub fn new(value: impl Into<String>) -> Self {
        Token {
            value: value.into().trim().to_owned(),
            source: TokenSource::Given,
        }
    }

    /// The token huggingface_hub would use: `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`, else the
    /// file `HF_TOKEN_PATH`, else `$HF_HOME/token`, where `HF_HOME` defaults to
    /// `$XDG_CACHE_HOME/huggingface`, then `~/.cache/huggingface`. Empty values count as unset.
    ///
    /// # Errors
    ///
    /// [`HubError::NoToken`] naming the places looked at; [`HubError::TokenFile`] when the token
    /// file exists but cannot be read.
    ///
    /// ```no_run
    /// let token = webhooks_runtime::hub::Token::from_environment()?;
    /// println!("using the token from {}", token.source());
    /// # Ok::<(), webhooks_runtime::hub::HubError>(())
    /// ```
    pub fn from_environment() -> Result<Self, HubError> {
        Token::discover(&|name| std::env::var(name).ok())
    }

    /// Where the token came from.
    pub fn source(&self) -> &TokenSource {
        &self.source
    }

    /// The token itself, for the `authorization` header only.
    pub(crate) fn reveal(&self) -> &str {
        &self.value
    }

    pub(crate) fn discover(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, HubError> {
        let set = |name: &str| env(name).filter(|value| !value.trim().is_empty());
        for variable in ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"] {
            if let Some(value) = set(variable) {
                return Ok(Token {
                    value: value.trim().to_owned(),
                    source: TokenSource::Variable(variable),
                });
            }
        }
        let path = token_path(env);
        match std::fs::read_to_string(&path) {
            Ok(text) if !text.trim().is_empty() => Ok(Token {
                value: text.trim().to_owned(),
                source: TokenSource::File(path),
            }),
            Ok(_) => Err(HubError::NoToken { token_file: path }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                Err(HubError::NoToken { token_file: path })
            }
            Err(error) => Err(HubError::TokenFile {
                path,
                reason: error.to_string(),
            }),
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(<redacted>, from {})", self.source)
    }
}

/// `HF_TOKEN_PATH`, else `$HF_HOME/token`, with huggingface_hub's defaults for `HF_HOME`.
fn token_path(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    let set = |name: &str| env(name).filter(|value| !value.is_empty());
    if let Some(path) = set("HF_TOKEN_PATH") {
        return expand_home(&path, env);
    }
    let home = match set("HF_HOME") {
        Some(home) => expand_home(&home, env),
        None => {
            let cache =
                set("XDG_CACHE_HOME").map_or_else(|| expand_home("~/.cache", env), PathBuf::from);
            cache.join("huggingface")
        }
    };
    home.join("token")
}

/// `~/…` with the user's home, as Python's `expanduser` does.
fn expand_home(path: &str, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    match (path.strip_prefix("~/"), env("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &[(&'static str, String)]) -> impl Fn(&str) -> Option<String> {
        let vars = vars.to_vec();
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
        }
    }

    #[test]
    fn the_order_is_hf_token_then_the_old_name_then_the_files() {
        let dir = std::env::temp_dir().join(format!("hub-token-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("huggingface")).unwrap();
        std::fs::write(dir.join("huggingface/token"), "hf_file\n").unwrap();
        std::fs::write(dir.join("explicit"), "hf_path").unwrap();
        let home = ("HF_HOME", dir.join("huggingface").display().to_string());
        let found = |vars: &[(&'static str, String)]| Token::discover(&env_of(vars)).unwrap();

        let token = found(&[
            ("HF_TOKEN", "hf_a".into()),
            ("HUGGING_FACE_HUB_TOKEN", "hf_b".into()),
            home.clone(),
        ]);
        assert_eq!(
            (token.reveal(), token.source()),
            ("hf_a", &TokenSource::Variable("HF_TOKEN"))
        );
        let token = found(&[
            ("HF_TOKEN", " ".into()),
            ("HUGGING_FACE_HUB_TOKEN", "hf_b".into()),
        ]);
        assert_eq!(token.reveal(), "hf_b");
        let token = found(std::slice::from_ref(&home));
        assert_eq!(
            (token.reveal(), token.source()),
            ("hf_file", &TokenSource::File(dir.join("huggingface/token")))
        );
        let token = found(&[
            home,
            ("HF_TOKEN_PATH", dir.join("explicit").display().to_string()),
        ]);
        assert_eq!(token.reveal(), "hf_path");
        let token = found(&[("XDG_CACHE_HOME", dir.display().to_string())]);
        assert_eq!(token.reveal(), "hf_file");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn no_token_names_the_file_looked_at_under_home() {
        let error = Token::discover(&env_of(&[("HOME", "/nowhere".into())])).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("/nowhere/.cache/huggingface/token"),
            "{error}"
        );
    }
}
