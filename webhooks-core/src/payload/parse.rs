//! Parsing a body into a [`WebhookPayload`], with errors that name the field.

use std::fmt;

use serde::de::DeserializeOwned;

use super::WebhookPayload;

/// Why a body is not a valid payload: the field path, what was wrong, and where in the body.
///
/// ```
/// let error = webhooks_core::WebhookPayload::from_slice(br#"{"event": {"action": 3}}"#).unwrap_err();
/// assert_eq!(error.path(), Some("event.action"));
/// assert!(error.message().starts_with("invalid type: integer `3`, expected a string"));
/// ```
///
/// Its `Display` is the reason the server sends back with a 422, for example
/// `repo.private: invalid type: string "maybe", expected a boolean (line 9, column 22)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError {
    path: Option<String>,
    message: String,
    line: usize,
    column: usize,
}

impl PayloadError {
    /// The dotted path of the offending field (`repo.url.web`, `updatedRefs[0].ref`), `None` when
    /// the body as a whole is wrong (empty, not JSON, not an object).
    ///
    /// ```
    /// let body = b"{\n  \"event\": {\"action\": \"create\", \"scope\": 7}\n}";
    /// let error = webhooks_core::WebhookPayload::from_slice(body).unwrap_err();
    /// assert_eq!(error.path(), Some("event.scope"));
    /// ```
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// What was wrong, without the path or position.
    ///
    /// ```
    /// let body = b"{\n  \"event\": {\"action\": \"create\", \"scope\": 7}\n}";
    /// let error = webhooks_core::WebhookPayload::from_slice(body).unwrap_err();
    /// assert_eq!(error.message(), "invalid type: integer `7`, expected a string");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The 1-based line in the body where parsing stopped (0 for an empty body).
    ///
    /// ```
    /// let body = b"{\n  \"event\": {\"action\": \"create\", \"scope\": 7}\n}";
    /// let error = webhooks_core::WebhookPayload::from_slice(body).unwrap_err();
    /// assert_eq!(error.line(), 2);
    /// ```
    pub fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column in the body where parsing stopped.
    ///
    /// ```
    /// let body = b"{\n  \"event\": {\"action\": \"create\", \"scope\": 7}\n}";
    /// let error = webhooks_core::WebhookPayload::from_slice(body).unwrap_err();
    /// assert_eq!(error.column(), 42);
    /// ```
    pub fn column(&self) -> usize {
        self.column
    }
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{path}: ")?;
        }
        f.write_str(&self.message)?;
        if self.line > 0 {
            write!(f, " (line {}, column {})", self.line, self.column)?;
        }
        Ok(())
    }
}

impl std::error::Error for PayloadError {}

/// Parses `body` as JSON into `T`, strictly (no type coercion), naming the failing field.
///
/// This is what [`WebhookPayload::from_slice`] uses, exposed for the user's own payload types.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct OnlyTheScope { event: Event }
/// #[derive(serde::Deserialize)]
/// struct Event { scope: String }
///
/// let parsed: OnlyTheScope = webhooks_core::payload::parse::parse_json(br#"{"event": {"scope": "repo"}}"#)?;
/// assert_eq!(parsed.event.scope, "repo");
/// # Ok::<(), webhooks_core::PayloadError>(())
/// ```
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, PayloadError> {
    // Accept a UTF-8 byte order mark, as the Python reference does.
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    // The fast path: tracking the field path costs about a third of the parse, so it is done
    // only to explain a failure, by parsing again.
    // Validating the UTF-8 of the whole body at once is faster than string by string.
    let parsed = match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    };
    match parsed {
        Ok(value) => Ok(value),
        Err(_) => explain_failure(body),
    }
}

/// Parses `body` again, tracking the path, to say where and why it does not fit `T`.
#[cold]
fn explain_failure<T: DeserializeOwned>(body: &[u8]) -> Result<T, PayloadError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(PayloadError {
            path: None,
            message: "the request body is empty; expected a JSON object".to_owned(),
            line: 0,
            column: 0,
        });
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(from_path_error)?;
    deserializer.end().map_err(|inner| PayloadError {
        path: None,
        message: strip_position(&inner),
        line: inner.line(),
        column: inner.column(),
    })?;
    Ok(value)
}

fn from_path_error(error: serde_path_to_error::Error<serde_json::Error>) -> PayloadError {
    let parent = error.path().to_string();
    let inner = error.into_inner();
    let message = strip_position(&inner);
    let path = match field_named_in(&message) {
        // `missing field` and `duplicate field` errors are reported on the parent object: name
        // the field itself, which is what a user looks for.
        Some(field) if parent == "." => Some(field.to_owned()),
        Some(field) => Some(format!("{parent}.{field}")),
        None if parent == "." => None,
        None => Some(parent),
    };
    PayloadError {
        path,
        message,
        line: inner.line(),
        column: inner.column(),
    }
}

/// The field a `missing field `x`` or `duplicate field `x`` message is about.
fn field_named_in(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("missing field `")
        .or_else(|| message.strip_prefix("duplicate field `"))?;
    rest.split('`').next()
}

/// serde_json's message without its ` at line L column C` suffix, which we report separately.
fn strip_position(error: &serde_json::Error) -> String {
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    match full.strip_suffix(&suffix) {
        Some(message) => message.to_owned(),
        None => full,
    }
}

impl WebhookPayload {
    /// Parses a webhook body.
    ///
    /// # Errors
    ///
    /// A [`PayloadError`] naming the field path when the body is empty, not JSON, not an object, lacks
    /// a required field, has a value of the wrong type, repeats a key, or is not payload version 3.
    ///
    /// # Examples
    ///
    /// ```
    /// use webhooks_core::WebhookPayload;
    ///
    /// let payload = WebhookPayload::from_slice(include_bytes!(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../fixtures/07-repo-create-model.json"
    /// )))?;
    /// assert_eq!(payload.event.scope, "repo");
    /// # Ok::<(), webhooks_core::PayloadError>(())
    /// ```
    pub fn from_slice(body: &[u8]) -> Result<Self, PayloadError> {
        parse_json(body)
    }
}

impl std::str::FromStr for WebhookPayload {
    type Err = PayloadError;

    fn from_str(body: &str) -> Result<Self, Self::Err> {
        Self::from_slice(body.as_bytes())
    }
}
