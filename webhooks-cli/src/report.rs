//! What a command prints about an answer: the status line, the body (as indented JSON when it is
//! JSON), and for the refusals a user can fix, one line saying how.

use crate::http::Answer;
use crate::output;

/// Who is being talked to, for the hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// A webhook endpoint.
    Webhook,
    /// The delivery API.
    DeliveryApi,
}

/// Prints the status and the body to stdout, and a hint to stderr for a refusal.
pub(crate) fn print(answer: &Answer, audience: Audience) {
    output::line(format_args!("{} {}", answer.status, answer.reason));
    if !answer.body.is_empty() {
        output::line(pretty(&answer.body));
    }
    if let Some(hint) = hint(answer.status, audience) {
        eprintln!("hint: {hint}");
    }
}

/// The body as indented JSON when it is JSON, else as it came.
pub(crate) fn pretty(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| body.to_owned())
}

/// What to do about a refusal, in one line.
pub(crate) fn hint(status: u16, audience: Audience) -> Option<&'static str> {
    Some(match (status, audience) {
        (401, Audience::Webhook) => {
            "the server wants its webhook secret: pass --secret or set WEBHOOK_SECRET"
        }
        (403, Audience::Webhook) => {
            "the server refused the secret (or this host name): check --secret / WEBHOOK_SECRET, or the server's WEBHOOKS_ALLOWED_HOSTS"
        }
        (401, Audience::DeliveryApi) => {
            "the delivery API wants a credential: pass --token (WEBHOOKS_ADMIN_TOKEN) or, when the server has no admin token, --secret (WEBHOOK_SECRET)"
        }
        (403, Audience::DeliveryApi) => {
            "the delivery API refused the credential: check --token / WEBHOOKS_ADMIN_TOKEN or --secret / WEBHOOK_SECRET"
        }
        (404, Audience::Webhook) => {
            "no endpoint at this path: the server lists its URLs when it starts and on its landing page"
        }
        (404, Audience::DeliveryApi) => "no such delivery, or the journal is off on this server",
        (415, _) => {
            "the endpoint refused the content type: hf-webhooks sends application/json, so something between you and the server changed it"
        }
        (422, Audience::Webhook) => {
            "the body does not fit the handler's argument: the answer names the field"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bodies_are_indented_and_others_kept() {
        assert_eq!(pretty(r#"{"a":1}"#), "{\n  \"a\": 1\n}");
        assert_eq!(pretty("plain text"), "plain text");
    }

    #[test]
    fn refusals_a_user_can_fix_get_a_hint() {
        for status in [401, 403, 404, 415, 422] {
            assert!(hint(status, Audience::Webhook).is_some(), "{status}");
        }
        assert!(
            hint(401, Audience::DeliveryApi)
                .unwrap()
                .contains("--token")
        );
        assert_eq!(hint(200, Audience::Webhook), None);
        assert_eq!(hint(500, Audience::Webhook), None);
    }
}
