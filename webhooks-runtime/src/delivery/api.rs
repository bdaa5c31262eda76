//! The delivery API's operations on the journal: list, find, delete and replay deliveries. They
//! return what they found or did; `web/delivery_api.rs` turns that into HTTP answers.

use std::time::Instant;

use crate::delivery::journal::{DeliveryRecord, DeliveryStatus, ListQuery};
use crate::delivery::{Deliveries, Enqueued};
use crate::endpoint::invoke::invoke;
use crate::endpoint::route::Routes;
use crate::error::JournalError;

/// The most deliveries one listing returns, and the most a lookup by Hub id reads.
pub(crate) const MAX_PAGE: usize = 500;

/// A page of deliveries, newest first.
pub(crate) struct Page {
    /// The deliveries, without their bodies.
    pub(crate) deliveries: Vec<DeliveryRecord>,
    /// The id to continue from (`before=`), when the page is full.
    pub(crate) next_before: Option<String>,
}

/// The deliveries `query` selects, newest first.
pub(crate) async fn list(deliveries: &Deliveries, query: ListQuery) -> Result<Page, JournalError> {
    let limit = query.limit;
    let found = deliveries.run(move |journal| journal.list(&query)).await?;
    let next_before = (found.len() == limit)
        .then(|| found.last().map(|d| d.id.clone()))
        .flatten();
    Ok(Page {
        deliveries: found,
        next_before,
    })
}

/// The delivery `id` names: the journal's id, or the Hub's `Webhook-Id` (then the first delivery
/// admitted with it, not a replay of it).
pub(crate) async fn find(
    deliveries: &Deliveries,
    id: &str,
) -> Result<Option<DeliveryRecord>, JournalError> {
    let id = id.to_owned();
    deliveries
        .run(move |journal| {
            if let Some(delivery) = journal.get(&id)? {
                return Ok(Some(delivery));
            }
            let by_hub_id = ListQuery {
                webhook_id: Some(id),
                limit: MAX_PAGE,
                ..ListQuery::default()
            };
            // Newest first: the last one not replaying another is the first admitted.
            let listed = journal.list(&by_hub_id)?;
            let Some(first) = listed
                .iter()
                .rev()
                .find(|delivery| delivery.original_id.is_none())
                .or(listed.last())
            else {
                return Ok(None);
            };
            journal.get(&first.id)
        })
        .await
}

/// Deletes the delivery with the journal id `id`; `false` when there is none.
pub(crate) async fn delete(deliveries: &Deliveries, id: &str) -> Result<bool, JournalError> {
    let id = id.to_owned();
    deliveries.run(move |journal| journal.delete(&id)).await
}

/// What became of a replay.
pub(crate) enum Replayed {
    /// The original's endpoint is no longer served.
    EndpointGone,
    /// A background endpoint's replay, queued.
    Queued {
        /// The replay's id.
        id: String,
        /// The original's id.
        replay_of: String,
    },
    /// A background endpoint's queue is full.
    BacklogFull {
        /// The endpoint's route path.
        route_path: String,
        /// How many deliveries wait.
        waiting: usize,
    },
    /// The journal found the replay a duplicate of this delivery.
    Duplicate {
        /// The delivery it repeats.
        original: String,
    },
    /// The journal could not queue it.
    NotQueued(JournalError),
    /// An answered endpoint's replay, run now.
    Ran {
        /// The replay's id.
        id: String,
        /// How it ended.
        status: DeliveryStatus,
        /// The original's id.
        replay_of: String,
        /// The handler's status code.
        response_status: u16,
    },
}

/// Runs the handler again on `original`'s request, as a new delivery linked to it: in the
/// background for background endpoints, at once for the others.
pub(crate) async fn replay(
    deliveries: &Deliveries,
    routes: &Routes,
    expose_errors: bool,
    original: DeliveryRecord,
) -> Replayed {
    let Some(route) = routes.by_journal_key(&original.endpoint) else {
        return Replayed::EndpointGone;
    };
    let replay_of = original.id.clone();
    let mut replay = DeliveryRecord::replay_of(original, route);
    if route.mode.is_background() {
        let id = replay.id.clone();
        return match deliveries.enqueue(route.id, replay, false).await {
            Ok(Enqueued::Queued) => Replayed::Queued { id, replay_of },
            Ok(Enqueued::BacklogFull(waiting)) => Replayed::BacklogFull {
                route_path: route.route_path.clone(),
                waiting,
            },
            // Replays are not checked for duplicates; were one found, its id is the answer.
            Ok(Enqueued::Duplicate { original, .. }) => Replayed::Duplicate { original },
            Err(error) => Replayed::NotQueued(error),
        };
    }
    let started = Instant::now();
    let invocation = invoke(route, replay.to_request(), expose_errors).await;
    replay.attempts = 1;
    replay.settle(&invocation, started);
    let ran = Replayed::Ran {
        id: replay.id.clone(),
        status: replay.status,
        replay_of,
        response_status: invocation.response.status().as_u16(),
    };
    deliveries.record_later(replay);
    ran
}
