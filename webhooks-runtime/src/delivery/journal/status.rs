//! Where a delivery stands, and what that means to every store: which statuses are
//! unfinished, which a copy is compared with and which make it a duplicate. The SQL stores
//! spell the same rules as conditions on their `status` column, written here once (a test
//! checks each against the rule it spells).

use std::fmt;

use serde::Serialize;

/// Where a delivery stands.
///
/// ```
/// use webhooks_runtime::deliveries::DeliveryStatus;
///
/// assert_eq!(DeliveryStatus::Dead.to_string(), "dead");
/// assert_eq!(webhooks_runtime::serde_json::json!(DeliveryStatus::Queued), "queued");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// Accepted, waiting for a background worker (or for its next attempt).
    Queued,
    /// A background worker is running its handler.
    Running,
    /// Handled: the handler succeeded.
    Done,
    /// An ordinary (not background) delivery whose handler failed or was refused.
    Failed,
    /// A background delivery that failed every attempt.
    Dead,
    /// The same body as an earlier delivery to the same endpoint: not handled again.
    Duplicate,
    /// An event no endpoint's filter took: answered 200, not handled; `last_error` says why.
    Skipped,
}

impl DeliveryStatus {
    /// Every status, in the order a delivery may pass through them.
    ///
    /// ```
    /// use webhooks_runtime::deliveries::DeliveryStatus;
    ///
    /// assert!(DeliveryStatus::ALL.contains(&DeliveryStatus::Skipped));
    /// ```
    pub const ALL: [DeliveryStatus; 7] = [
        DeliveryStatus::Queued,
        DeliveryStatus::Running,
        DeliveryStatus::Done,
        DeliveryStatus::Failed,
        DeliveryStatus::Dead,
        DeliveryStatus::Duplicate,
        DeliveryStatus::Skipped,
    ];

    /// As the delivery API spells it (`?status=`, and in records).
    ///
    /// ```
    /// use webhooks_runtime::deliveries::DeliveryStatus;
    ///
    /// assert_eq!(DeliveryStatus::Duplicate.as_str(), "duplicate");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Running => "running",
            DeliveryStatus::Done => "done",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Dead => "dead",
            DeliveryStatus::Duplicate => "duplicate",
            DeliveryStatus::Skipped => "skipped",
        }
    }

    /// Whether a delivery in this status still has work to do (queued or running): the
    /// retention never removes one, and the backlog counts them.
    pub(crate) fn is_unfinished(self) -> bool {
        matches!(self, DeliveryStatus::Queued | DeliveryStatus::Running)
    }

    /// Whether a delivery in this status is the one a later copy is compared with: the latest
    /// to its endpoint about its repo, not counting those answered as a duplicate or skipped
    /// (a copy of them is compared with the delivery before).
    pub(crate) fn is_compared_with_copies(self) -> bool {
        !matches!(self, DeliveryStatus::Duplicate | DeliveryStatus::Skipped)
    }

    /// Whether a later copy of a delivery in this status is its duplicate (not run): one given
    /// up on (failed or dead) is run again by its copy.
    pub(crate) fn makes_copies_duplicates(self) -> bool {
        matches!(
            self,
            DeliveryStatus::Queued | DeliveryStatus::Running | DeliveryStatus::Done
        )
    }

    /// The status [`Self::as_str`] spells `text`, if any.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `status` of an unfinished delivery ([`DeliveryStatus::is_unfinished`]), in SQL. (SQLite
/// counts the two statuses apart instead, each from its partial index.)
#[cfg(feature = "postgres")]
macro_rules! unfinished_sql {
    () => {
        "status IN ('queued', 'running')"
    };
}

/// `status` of a finished delivery (not [`DeliveryStatus::is_unfinished`]), in SQL.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
macro_rules! finished_sql {
    () => {
        "status NOT IN ('queued', 'running')"
    };
}

/// `status` of a delivery a copy is compared with
/// ([`DeliveryStatus::is_compared_with_copies`]), in SQL.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
macro_rules! compared_with_copies_sql {
    () => {
        "status NOT IN ('duplicate', 'skipped')"
    };
}

/// `status` of a delivery whose copy is its duplicate
/// ([`DeliveryStatus::makes_copies_duplicates`]), in SQL.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
macro_rules! makes_copies_duplicates_sql {
    () => {
        "status IN ('queued', 'running', 'done')"
    };
}

#[cfg(feature = "postgres")]
pub(crate) use unfinished_sql;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use {compared_with_copies_sql, finished_sql, makes_copies_duplicates_sql};

#[cfg(test)]
mod tests {
    use super::DeliveryStatus;

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    /// The statuses an SQL condition `status IN (…)` or `status NOT IN (…)` accepts.
    fn accepted_by(condition: &str) -> Vec<DeliveryStatus> {
        let (negated, list) = match condition.strip_prefix("status NOT IN (") {
            Some(list) => (true, list),
            None => (false, condition.strip_prefix("status IN (").unwrap()),
        };
        let listed: Vec<&str> = list
            .trim_end_matches(')')
            .split(", ")
            .map(|quoted| quoted.trim_matches('\''))
            .collect();
        for name in &listed {
            assert!(
                DeliveryStatus::parse(name).is_some(),
                "{name} in {condition}"
            );
        }
        DeliveryStatus::ALL
            .into_iter()
            .filter(|status| listed.contains(&status.as_str()) != negated)
            .collect()
    }

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    /// The statuses `rule` holds for.
    fn held(rule: fn(DeliveryStatus) -> bool) -> Vec<DeliveryStatus> {
        DeliveryStatus::ALL
            .into_iter()
            .filter(|status| rule(*status))
            .collect()
    }

    #[test]
    fn every_status_parses_back_from_its_spelling() {
        for status in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(DeliveryStatus::parse("Queued"), None);
    }

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    #[test]
    fn each_sql_condition_accepts_the_statuses_its_rule_holds_for() {
        #[cfg(feature = "postgres")]
        assert_eq!(
            accepted_by(unfinished_sql!()),
            held(DeliveryStatus::is_unfinished)
        );
        assert_eq!(
            accepted_by(finished_sql!()),
            held(|status| !status.is_unfinished())
        );
        assert_eq!(
            accepted_by(compared_with_copies_sql!()),
            held(DeliveryStatus::is_compared_with_copies)
        );
        assert_eq!(
            accepted_by(makes_copies_duplicates_sql!()),
            held(DeliveryStatus::makes_copies_duplicates)
        );
    }
}
