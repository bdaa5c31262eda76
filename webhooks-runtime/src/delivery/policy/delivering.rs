//! A delivery under way: the future that [`Policy::deliver`](super::Policy::deliver) returns.
//! The handler is started before it is made; it waits for the handler and records how it went.
//!
//! Why the request path returns hand-written futures like this one instead of being `async fn`s:
//! moving a future copies the whole of it, and futures move (each `.await` of a new one moves it
//! into its caller's; hyper moves the service's future before its first poll). An `async fn`
//! keeps its arguments beside its locals and each callee's whole future inside its own: the path
//! was five of them deep, about 8 KiB copied per request. This one is a few hundred bytes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use webhooks_core::WebhookResponse;

use crate::delivery::Deliveries;
use crate::delivery::journal::DeliveryRecord;
use crate::delivery::packed_headers::PackedHeaders;
use crate::endpoint::invoke::{Invocation, Invoking, Outcome};

/// How a delivery is answered, and how it went.
pub(crate) type Answered = (WebhookResponse, Outcome);

/// A delivery under way: see the [module](self).
#[allow(
    clippy::large_enum_variant,
    reason = "the large variant is the common one; it lives in the request's box already, and boxing it would add an allocation per request"
)]
pub(crate) enum Delivering<'a> {
    /// Its handler runs; recorded when it returns, if `recording` is set.
    Running {
        invoking: Invoking,
        recording: Option<Recording<'a>>,
        /// Whether a rejection is answered 200 (see [`super::acknowledged`]).
        acknowledge_rejected: bool,
    },
    /// A rarer path (a Hub id, dedupe, the background, several endpoints), boxed.
    Boxed(Pin<Box<dyn Future<Output = Answered> + Send + 'a>>),
    /// Answered without running a handler.
    Ready(std::future::Ready<Answered>),
}

/// What is left to record of an ordinary delivery once its handler returns.
pub(crate) struct Recording<'a> {
    pub(crate) deliveries: &'a Deliveries,
    pub(crate) record: DeliveryRecord,
    pub(crate) headers: PackedHeaders,
    pub(crate) started: Instant,
}

impl Recording<'_> {
    /// Sends the record, with the handler's outcome, to the journal's writer.
    fn finish(self, invocation: &Invocation) {
        let Recording {
            deliveries,
            mut record,
            headers,
            started,
        } = self;
        record.attempts = 1;
        record.settle(invocation, started);
        deliveries.record_received_later(record, headers);
    }
}

impl<'a> Delivering<'a> {
    /// The rarer path `future`, boxed.
    pub(crate) fn boxed(future: impl Future<Output = Answered> + Send + 'a) -> Self {
        Delivering::Boxed(Box::pin(future))
    }

    /// An answer given without a handler.
    pub(crate) fn ready(response: WebhookResponse, outcome: Outcome) -> Self {
        Delivering::Ready(std::future::ready((response, outcome)))
    }
}

impl Future for Delivering<'_> {
    type Output = Answered;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Answered> {
        match self.get_mut() {
            Delivering::Running {
                invoking,
                recording,
                acknowledge_rejected,
            } => {
                let invocation = ready!(Pin::new(invoking).poll(cx));
                if let Some(recording) = recording.take() {
                    recording.finish(&invocation);
                }
                Poll::Ready(super::acknowledged(
                    invocation.response,
                    invocation.outcome,
                    *acknowledge_rejected,
                ))
            }
            Delivering::Boxed(future) => future.as_mut().poll(cx),
            Delivering::Ready(answered) => Pin::new(answered).poll(cx),
        }
    }
}
