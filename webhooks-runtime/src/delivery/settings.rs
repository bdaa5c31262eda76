//! How deliveries are journaled and retried: the builder's settings, and the retry policy they
//! give.

use std::sync::Arc;
use std::time::Duration;

use crate::delivery::journal::{Journal, JournalError};

use crate::delivery::journal::{AttemptResult, now_ms};

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10 * 60);

/// A journal the user supplied, instead of the file journal in the data dir.
#[derive(Clone)]
pub(crate) struct Store(pub(crate) Arc<dyn Journal>);

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store(..)")
    }
}

/// How deliveries are journaled and retried.
#[derive(Debug, Clone)]
pub(crate) struct DeliverySettings {
    pub(crate) journal: bool,
    /// The user's store; `None` opens the file journal in the data dir.
    pub(crate) store: Option<Store>,
    pub(crate) attempts: u32,
    pub(crate) concurrency: usize,
    pub(crate) backoff: Duration,
    pub(crate) duplicate_window: Duration,
    pub(crate) retention_count: usize,
    pub(crate) retention_age: Duration,
    /// The most bytes of bodies finished deliveries may take together.
    pub(crate) retention_bytes: u64,
    /// The most deliveries a background endpoint holds accepted and not finished.
    pub(crate) backlog_limit: usize,
    /// How long a claim on a running delivery holds without a heartbeat.
    pub(crate) lease: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            journal: true,
            store: None,
            attempts: 5,
            concurrency: 4,
            backoff: Duration::from_secs(1),
            duplicate_window: Duration::from_secs(60 * 60),
            retention_count: 10_000,
            retention_age: Duration::from_secs(30 * 24 * 60 * 60),
            retention_bytes: 1024 * 1024 * 1024,
            backlog_limit: 10_000,
            lease: Duration::from_secs(60),
        }
    }
}

impl DeliverySettings {
    /// How many deliveries are recorded or finished between two retention passes: a tenth of
    /// the count kept, from 1 to 1,000, so a small journal stays small.
    pub(crate) fn records_per_prune(&self) -> usize {
        (self.retention_count / 10).clamp(1, 1000)
    }

    /// Removes what the retention no longer keeps: beyond the count, older than the age, beyond
    /// the bytes. Blocks on the disk.
    pub(crate) fn apply_retention(&self, journal: &dyn Journal) -> Result<usize, JournalError> {
        let by_count_and_age = journal.prune(self.retention_count, self.retention_cutoff_ms())?;
        let by_size = journal.prune_to_size(self.retention_bytes)?;
        Ok(by_count_and_age + by_size)
    }

    /// What becomes of a background delivery whose `attempt`-th run ended with `error` (`None`
    /// for success): done, retried after an exponential backoff, or dead after the last attempt.
    pub(crate) fn after_attempt(
        &self,
        attempt: u32,
        error: Option<String>,
        latency_ms: f64,
    ) -> AttemptResult {
        match error {
            None => AttemptResult::Done { latency_ms },
            Some(error) if attempt >= self.attempts => AttemptResult::Dead { error, latency_ms },
            Some(error) => {
                let doublings = attempt.saturating_sub(1).min(20);
                let wait = self.backoff.saturating_mul(1 << doublings).min(MAX_BACKOFF);
                AttemptResult::Retry {
                    error,
                    latency_ms,
                    next_attempt_at_ms: now_ms() + millis(wait),
                }
            }
        }
    }

    /// The oldest a finished delivery may be before pruning removes it, in Unix milliseconds.
    pub(crate) fn retention_cutoff_ms(&self) -> i64 {
        now_ms() - millis(self.retention_age)
    }

    /// The oldest an accepted delivery may be to count as the original of a duplicate.
    pub(crate) fn duplicate_cutoff_ms(&self) -> i64 {
        now_ms() - millis(self.duplicate_window)
    }
}

pub(crate) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_ten_minutes_then_the_delivery_dies() {
        let settings = DeliverySettings {
            attempts: 30,
            ..DeliverySettings::default()
        };
        let wait = |attempt| match settings.after_attempt(attempt, Some("busy".into()), 1.0) {
            AttemptResult::Retry {
                next_attempt_at_ms, ..
            } => (next_attempt_at_ms - now_ms() + 500) / 1000,
            other => panic!("attempt {attempt}: {other:?}"),
        };
        assert_eq!(wait(1), 1);
        assert_eq!(wait(2), 2);
        assert_eq!(wait(4), 8);
        assert_eq!(wait(25), 600);
        assert!(matches!(
            settings.after_attempt(30, Some("busy".into()), 1.0),
            AttemptResult::Dead { .. }
        ));
        assert!(matches!(
            settings.after_attempt(30, None, 1.0),
            AttemptResult::Done { .. }
        ));
    }
}
