//! The Hub's ids of recent deliveries, remembered by a server without a journal: the same rules as
//! the journal's (a repeat of a success is not run again, one of a failure runs as the next
//! attempt, never two runs at once), for the last [`RecentIds::CAPACITY`] ids of this process.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::delivery::journal::new_id;
use crate::endpoint::route::RouteId;

/// An endpoint and a `Webhook-Id`.
type Key = (RouteId, String);

/// The recent `Webhook-Id`s of each endpoint, oldest forgotten first.
#[derive(Debug, Default)]
pub(crate) struct RecentIds {
    window: Mutex<Window>,
}

#[derive(Debug, Default)]
struct Window {
    seen: HashMap<Key, Entry>,
    /// Keys in the order they were first seen.
    order: VecDeque<Key>,
}

#[derive(Debug)]
struct Entry {
    /// The delivery id its runs share.
    id: String,
    /// The last attempt started.
    attempt: u32,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    Done,
    Failed,
}

/// What to do with a delivery whose `Webhook-Id` may have been seen.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Run it now, as this attempt of this delivery.
    Run { id: String, attempt: u32 },
    /// It succeeded before: not run again.
    Repeat { id: String },
    /// It is running now.
    InProgress { id: String },
}

impl RecentIds {
    /// How many ids are remembered: at a thousand deliveries a day (the Hub's limit per webhook),
    /// ten days of one webhook; about 1.5 MiB at most.
    pub(crate) const CAPACITY: usize = 10_000;

    /// What to do with a delivery to `route` carrying `webhook_id`; a run is marked running.
    pub(crate) fn admit(&self, route: RouteId, webhook_id: &str) -> Seen {
        let mut window = self
            .window
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (route, webhook_id.to_owned());
        if let Some(entry) = window.seen.get_mut(&key) {
            return match entry.state {
                State::Done => Seen::Repeat {
                    id: entry.id.clone(),
                },
                State::Running => Seen::InProgress {
                    id: entry.id.clone(),
                },
                State::Failed => {
                    entry.state = State::Running;
                    entry.attempt += 1;
                    Seen::Run {
                        id: entry.id.clone(),
                        attempt: entry.attempt,
                    }
                }
            };
        }
        // The oldest finished id goes; a running one is kept (forgetting it would let a copy run
        // beside it), moved to the back.
        let mut looked = 0;
        while window.order.len() >= Self::CAPACITY && looked < Self::CAPACITY {
            let Some(oldest) = window.order.pop_front() else {
                break;
            };
            looked += 1;
            if window
                .seen
                .get(&oldest)
                .is_some_and(|entry| entry.state == State::Running)
            {
                window.order.push_back(oldest);
            } else {
                window.seen.remove(&oldest);
            }
        }
        let id = new_id();
        window.order.push_back(key.clone());
        window.seen.insert(
            key,
            Entry {
                id: id.clone(),
                attempt: 1,
                state: State::Running,
            },
        );
        Seen::Run { id, attempt: 1 }
    }

    /// Records, when dropped, how attempt `attempt` of the run just admitted ended: failed unless
    /// `succeeded` was set (a request dropped while its handler ran, too).
    pub(crate) fn finishing(
        &self,
        route: RouteId,
        webhook_id: String,
        attempt: u32,
    ) -> Finishing<'_> {
        Finishing {
            recent: self,
            key: (route, webhook_id),
            attempt,
            succeeded: false,
        }
    }

    fn finish(&self, key: &Key, attempt: u32, succeeded: bool) {
        let mut window = self
            .window
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entry) = window.seen.get_mut(key)
            && entry.attempt == attempt
            && entry.state == State::Running
        {
            entry.state = if succeeded {
                State::Done
            } else {
                State::Failed
            };
        }
    }
}

/// A run admitted by [`RecentIds::admit`], recorded as it ends: see [`RecentIds::finishing`].
pub(crate) struct Finishing<'a> {
    recent: &'a RecentIds,
    key: Key,
    attempt: u32,
    /// Whether the handler succeeded.
    pub(crate) succeeded: bool,
}

impl Drop for Finishing<'_> {
    fn drop(&mut self) {
        self.recent.finish(&self.key, self.attempt, self.succeeded);
    }
}

#[cfg(test)]
mod tests {
    use super::{RecentIds, Seen};
    use crate::endpoint::route::RouteId;

    #[test]
    fn a_success_is_repeated_a_failure_run_again_and_a_run_never_twice() {
        let recent = RecentIds::default();
        let route = RouteId(0);
        let Seen::Run { id, attempt: 1 } = recent.admit(route, "hub-1") else {
            panic!("a new id runs");
        };
        assert_eq!(
            recent.admit(route, "hub-1"),
            Seen::InProgress { id: id.clone() }
        );
        assert!(
            matches!(
                recent.admit(RouteId(1), "hub-1"),
                Seen::Run { attempt: 1, .. }
            ),
            "another endpoint's delivery"
        );
        drop(recent.finishing(route, "hub-1".to_owned(), 1));
        assert_eq!(
            recent.admit(route, "hub-1"),
            Seen::Run {
                id: id.clone(),
                attempt: 2
            },
            "a failure runs again under the same id"
        );
        let mut finishing = recent.finishing(route, "hub-1".to_owned(), 2);
        finishing.succeeded = true;
        drop(finishing);
        assert_eq!(recent.admit(route, "hub-1"), Seen::Repeat { id });
    }

    #[test]
    fn the_oldest_finished_ids_are_forgotten_past_the_capacity_never_a_running_one() {
        let recent = RecentIds::default();
        for n in 0..=RecentIds::CAPACITY {
            let id = n.to_string();
            recent.admit(RouteId(0), &id);
            if n != 1 {
                let mut finishing = recent.finishing(RouteId(0), id, 1);
                finishing.succeeded = true;
            }
        }
        assert!(
            matches!(recent.admit(RouteId(0), "0"), Seen::Run { attempt: 1, .. }),
            "the oldest was forgotten"
        );
        assert!(
            matches!(recent.admit(RouteId(0), "1"), Seen::InProgress { .. }),
            "a running one is kept"
        );
        assert!(matches!(
            recent.admit(RouteId(0), "2"),
            Seen::Run { attempt: 1, .. }
        ));
        assert!(matches!(recent.admit(RouteId(0), "4"), Seen::Repeat { .. }));
    }
}
