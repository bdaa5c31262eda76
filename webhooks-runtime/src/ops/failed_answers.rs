//! How many answers each endpoint gave that were not 2xx, over the last 24 hours: the Hub retries
//! each of them and counts it toward suspending the webhook (hub-docs PR #2773), so the landing
//! page and `/metrics` show them. Counted in hourly buckets, without a lock.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::endpoint::route::{RouteId, Routes};

/// Hours in the window.
const HOURS: usize = 24;

/// Each route's answers other than 2xx, by hour.
#[derive(Debug)]
pub(crate) struct FailedAnswers {
    routes: Vec<Hourly>,
}

/// One route's counts: bucket `h % 24` holds hour `h`'s (the hour it holds is stamped beside it).
#[derive(Debug, Default)]
struct Hourly {
    counts: [AtomicU64; HOURS],
    hours: [AtomicU64; HOURS],
}

/// The hour since the Unix epoch it is now.
pub(crate) fn current_hour() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() / 3600)
}

impl FailedAnswers {
    /// Counts for every route of `routes`, all zero.
    pub(crate) fn new(routes: &Routes) -> Self {
        Self::for_routes(routes.len())
    }

    fn for_routes(count: usize) -> Self {
        FailedAnswers {
            routes: (0..count).map(|_| Hourly::default()).collect(),
        }
    }

    /// Counts an answer of `status` to route `route`, in hour `hour`, when it is not 2xx.
    pub(crate) fn record(&self, route: RouteId, status: u16, hour: u64) {
        if (200..300).contains(&status) {
            return;
        }
        let Some(hourly) = self.routes.get(route.0) else {
            return;
        };
        #[allow(clippy::cast_possible_truncation, reason = "less than 24")]
        let slot = (hour % HOURS as u64) as usize;
        // A bucket still holding an older hour is reset first. Two answers racing at the turn of
        // the hour may lose one count: a warning's figure, not an account.
        if hourly.hours[slot].swap(hour, Ordering::Relaxed) != hour {
            hourly.counts[slot].store(0, Ordering::Relaxed);
        }
        hourly.counts[slot].fetch_add(1, Ordering::Relaxed);
    }

    /// How many answers to route `route` were not 2xx in the 24 hours up to hour `hour`.
    pub(crate) fn last_24h(&self, route: RouteId, hour: u64) -> u64 {
        let Some(hourly) = self.routes.get(route.0) else {
            return 0;
        };
        (0..HOURS)
            .filter(|&slot| {
                hour.saturating_sub(hourly.hours[slot].load(Ordering::Relaxed)) < HOURS as u64
            })
            .map(|slot| hourly.counts[slot].load(Ordering::Relaxed))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::FailedAnswers;
    use crate::endpoint::route::RouteId;

    #[test]
    fn only_answers_other_than_2xx_of_the_last_24_hours_count() {
        let failed = FailedAnswers::for_routes(1);
        let id = RouteId(0);
        for status in [200, 202, 204, 401, 422, 500, 503] {
            failed.record(id, status, 1_000);
        }
        assert_eq!(failed.last_24h(id, 1_000), 4);
        failed.record(id, 500, 1_010);
        assert_eq!(failed.last_24h(id, 1_023), 5);
        assert_eq!(
            failed.last_24h(id, 1_024),
            1,
            "hour 1,000 is out of the window"
        );
        // Hour 1,024 reuses hour 1,000's bucket: its count starts again.
        failed.record(id, 500, 1_024);
        assert_eq!(failed.last_24h(id, 1_024), 2);
    }
}
