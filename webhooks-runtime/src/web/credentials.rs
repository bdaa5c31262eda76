//! Who may use the delivery API: the admin token or the webhook secret, or, with neither
//! configured, anyone on a server that listens on loopback only.

use http::{HeaderMap, header};
use webhooks_core::WebhookResponse;

use crate::answers;
use crate::web::app::App;
use crate::web::secret::SECRET_HEADER;

/// Whether the request may use the delivery API; the refusal otherwise.
pub(crate) fn authorize_delivery_api(
    app: &App,
    headers: &HeaderMap,
) -> Result<(), WebhookResponse> {
    let configured = !app.secrets.is_empty() || app.admin_token.is_some();
    if !configured {
        return if app.loopback {
            Ok(())
        } else {
            Err(answers::API_OFF_WITHOUT_CREDENTIAL.into_response())
        };
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "));
    let candidate = bearer.or_else(|| headers.get(SECRET_HEADER).map(|value| value.as_bytes()));
    let Some(candidate) = candidate else {
        return Err(answers::API_CREDENTIAL_MISSING.into_response());
    };
    // Both are compared whatever the first says, so the time taken does not tell which matched.
    let token_matches = app
        .admin_token
        .as_ref()
        .is_some_and(|token| token.matches(candidate));
    let secret_matches = app.secrets.accepts(candidate);
    if bool::from(
        subtle::Choice::from(u8::from(token_matches))
            | subtle::Choice::from(u8::from(secret_matches)),
    ) {
        Ok(())
    } else {
        Err(answers::API_CREDENTIAL_INVALID.into_response())
    }
}
