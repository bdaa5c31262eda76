//! Rustdoc as an HTTP client should read it: the OpenAPI document's descriptions come from the
//! payload types' doc comments, which hold Rust examples and intra-doc links that mean nothing
//! outside the crate.

use serde_json::Value;

/// Every `description` and `summary` string in `value`, at any depth, as [`prose`].
pub(crate) fn descriptions_as_prose(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, field) in object.iter_mut() {
                match field {
                    Value::String(text) if key == "description" || key == "summary" => {
                        *text = prose(text);
                    }
                    other => descriptions_as_prose(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(descriptions_as_prose),
        _ => {}
    }
}

/// `text` without fenced code blocks, and with intra-doc links (``[`Self::id`]``,
/// ``[`Foo`](crate::Foo)``) as the code they name (`` `id` ``, `` `Foo` ``); links to `http(s)`
/// URLs are kept.
pub(crate) fn prose(text: &str) -> String {
    let mut kept = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            kept.push(line);
        }
    }
    let joined = kept.join("\n");
    let mut out = String::with_capacity(joined.len());
    let mut rest = joined.as_str();
    while let Some(start) = rest.find("[`") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find("`]") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let code = &after[1..end];
        let name = code.rsplit("::").next().unwrap_or(code);
        let mut tail = &after[end + 2..];
        // `[`Foo`](target)`: the target goes unless it is a web address.
        if let Some(target) = tail.strip_prefix('(')
            && let Some(close) = target.find(')')
        {
            let url = &target[..close];
            if url.starts_with("http://") || url.starts_with("https://") {
                out.push_str(&format!("[`{name}`]({url})"));
            } else {
                out.push_str(&format!("`{name}`"));
            }
            tail = &target[close + 1..];
        } else {
            out.push_str(&format!("`{name}`"));
        }
        rest = tail;
    }
    out.push_str(rest);
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_blocks_go_and_links_become_the_code_they_name() {
        let doc = "The id, as [`Self::id`] and [`WebhookPayload`](webhooks_core::WebhookPayload) say.\n\n```\nlet x = include_bytes!(\"a\");\n# Ok::<(), ()>(())\n```\nSee [`docs`](https://huggingface.co/docs).";
        assert_eq!(
            prose(doc),
            "The id, as `id` and `WebhookPayload` say.\n\nSee [`docs`](https://huggingface.co/docs)."
        );
        assert_eq!(prose("a [`b"), "a [`b");
    }
}
