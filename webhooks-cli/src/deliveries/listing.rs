//! The table `hf-webhooks deliveries list` prints, from the delivery API's listing.

use serde_json::Value;

/// The table `hf-webhooks deliveries list` prints: one line per delivery, newest first.
pub(crate) fn table(listing: &Value, now_ms: i64) -> String {
    let header = [
        "STATUS", "ENDPOINT", "EVENT", "REPO", "ATTEMPTS", "AGE", "ID", "HUB ID",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut rows = vec![header];
    let empty = Vec::new();
    let deliveries = listing["deliveries"].as_array().unwrap_or(&empty);
    for delivery in deliveries {
        let text = |key: &str| delivery[key].as_str().unwrap_or("").to_owned();
        let event = match (delivery["scope"].as_str(), delivery["action"].as_str()) {
            (Some(scope), Some(action)) => format!("{scope}.{action}"),
            _ => "-".to_owned(),
        };
        rows.push(vec![
            text("status"),
            text("endpoint"),
            event,
            delivery["repo"].as_str().unwrap_or("-").to_owned(),
            delivery["attempts"].as_u64().unwrap_or(0).to_string(),
            age(now_ms - delivery["received_at_ms"].as_i64().unwrap_or(now_ms)),
            text("id"),
            delivery["webhook_id"].as_str().unwrap_or("-").to_owned(),
        ]);
    }
    let mut out = crate::table::render(&rows);
    if deliveries.is_empty() {
        out.push_str("(no deliveries)\n");
    }
    out
}

/// `42s`, `5m`, `3h`, `2d`: how long ago, in its largest unit.
pub(crate) fn age(elapsed_ms: i64) -> String {
    let seconds = elapsed_ms.max(0) / 1000;
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        3600..86_400 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_use_their_largest_unit() {
        assert_eq!(age(0), "0s");
        assert_eq!(age(59_999), "59s");
        assert_eq!(age(61_000), "1m");
        assert_eq!(age(7_200_000), "2h");
        assert_eq!(age(3 * 86_400_000), "3d");
        assert_eq!(age(-5), "0s");
    }

    #[test]
    fn the_table_aligns_columns_and_says_when_empty() {
        let listing = serde_json::json!({ "deliveries": [
            { "id": "01a", "endpoint": "/webhooks/train", "status": "done", "scope": "repo.content",
              "action": "update", "repo": "acme/data", "attempts": 1, "received_at_ms": 1_000,
              "webhook_id": "6740f1a2" },
            { "id": "01b", "endpoint": "/webhooks/x", "status": "dead", "attempts": 5,
              "received_at_ms": 0 },
        ]});
        let table = table(&listing, 61_000);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("STATUS  ENDPOINT"), "{table}");
        assert!(
            lines[1].starts_with("done    /webhooks/train  repo.content.update  acme/data  1"),
            "{table}"
        );
        assert!(lines[1].ends_with("1m   01a  6740f1a2"), "{table}");
        assert!(lines[2].ends_with("01b  -"), "{table}");
        assert!(lines[2].contains("-"), "{table}");
        let empty = super::table(&serde_json::json!({ "deliveries": [] }), 0);
        assert!(empty.ends_with("(no deliveries)\n"));
    }
}
