//! Turning what the user wrote into the endpoint path, and refusing what cannot be in a URL.
//!
//! One source for both `#[webhook_endpoint]` and the runtime's `add_webhook`.

/// The path with leading and trailing `/` stripped, or why it cannot be a URL path.
///
/// ```
/// assert_eq!(webhooks_rules::path::normalize("/models/retrain/").unwrap(), "models/retrain");
/// assert!(webhooks_rules::path::normalize("say hello").is_err());
/// ```
///
/// # Errors
///
/// A message saying what is wrong and what to write instead.
pub fn normalize(raw: &str) -> Result<String, String> {
    let path = raw.trim_matches('/');
    if path.is_empty() {
        return Err(format!(
            "the endpoint path `{raw}` is empty once its leading and trailing `/` are removed; write a name such as `\"say_hello\"`"
        ));
    }
    for segment in path.split('/') {
        if segment.is_empty() {
            return Err(format!(
                "the endpoint path `{raw}` has an empty segment (`//`); remove the extra `/`"
            ));
        }
        if segment == "." || segment == ".." {
            return Err(format!(
                "the endpoint path `{raw}` has a `{segment}` segment, which clients resolve away; use a name"
            ));
        }
        if let Some(bad) = segment.chars().find(|&c| !is_path_char(c)) {
            return Err(format!(
                "the endpoint path `{raw}` contains {}, which cannot be in a URL path segment; use letters, digits, `-`, `_`, `.` or `~`",
                describe(bad)
            ));
        }
    }
    Ok(path.to_owned())
}

/// RFC 3986 `pchar` without percent-encoding: unreserved, sub-delims, `:` and `@`.
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@".contains(c)
}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        c if c.is_control() => format!("the control character {c:?}"),
        c => format!("`{c}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn strips_slashes_and_keeps_nested_segments() {
        assert_eq!(normalize("/say_hello/").unwrap(), "say_hello");
        assert_eq!(normalize("a/b").unwrap(), "a/b");
        assert_eq!(normalize("v1.2~x").unwrap(), "v1.2~x");
    }

    #[test]
    fn refuses_what_cannot_be_in_a_url() {
        for bad in [
            "", "/", "a b", "a?b", "a#b", "100%", "../x", "a/./b", "a//b", "é",
        ] {
            assert!(normalize(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
