//! How a webhook is printed: a table row, a block of lines, or JSON, with its secret as `***`
//! unless `--show-secret`.

use serde_json::Value;
use webhooks_runtime::hub::WebhookInfo;

use crate::table;

/// The webhook as JSON, the secret hidden unless `show_secret`.
pub(crate) fn json(webhook: &WebhookInfo, show_secret: bool) -> Value {
    let mut value = serde_json::to_value(webhook).unwrap_or(Value::Null);
    if !show_secret && webhook.secret.is_some() {
        value["secret"] = "***".into();
    }
    value
}

/// The URL it posts to, or `(job)`.
fn target(webhook: &WebhookInfo) -> String {
    webhook.url.clone().unwrap_or_else(|| "(job)".to_owned())
}

fn joined<T: ToString>(items: &[T]) -> String {
    if items.is_empty() {
        return "-".to_owned();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn secret(webhook: &WebhookInfo, show_secret: bool) -> String {
    match &webhook.secret {
        None => "(none)".to_owned(),
        Some(secret) if show_secret => secret.clone(),
        Some(_) => "***".to_owned(),
    }
}

/// The table `hub list` prints (a SECRET column only with `--show-secret`).
pub(crate) fn list(webhooks: &[WebhookInfo], show_secret: bool) -> String {
    let mut header = vec!["ID", "TARGET", "DISABLED", "DOMAINS", "WATCHED"];
    if show_secret {
        header.push("SECRET");
    }
    let mut rows = vec![header.into_iter().map(str::to_owned).collect::<Vec<_>>()];
    for webhook in webhooks {
        let mut row = vec![
            webhook.id.clone(),
            target(webhook),
            if webhook.disabled { "yes" } else { "no" }.to_owned(),
            joined(&webhook.domains),
            joined(&webhook.watched),
        ];
        if show_secret {
            row.push(secret(webhook, true));
        }
        rows.push(row);
    }
    let mut out = table::render(&rows);
    if webhooks.is_empty() {
        out.push_str("(no webhooks: create one with `hf-webhooks hub apply` or `hub create`)\n");
    }
    out
}

/// The lines `hub info` prints.
pub(crate) fn details(webhook: &WebhookInfo, show_secret: bool) -> String {
    let target = match (&webhook.url, &webhook.job) {
        (Some(url), _) => ("url", url.clone()),
        (None, Some(job)) => (
            "job",
            job["dockerImage"]
                .as_str()
                .or_else(|| job["spaceId"].as_str())
                .unwrap_or("(a Job)")
                .to_owned(),
        ),
        (None, None) => ("url", "-".to_owned()),
    };
    let rows = [
        ("id", webhook.id.clone()),
        target,
        (
            "disabled",
            if webhook.disabled { "yes" } else { "no" }.to_owned(),
        ),
        ("domains", joined(&webhook.domains).replace(',', ", ")),
        ("watched", joined(&webhook.watched).replace(',', ", ")),
        ("secret", secret(webhook, show_secret)),
    ];
    rows.iter()
        .map(|(key, value)| format!("{:<9} {value}\n", format!("{key}:")))
        .collect()
}
