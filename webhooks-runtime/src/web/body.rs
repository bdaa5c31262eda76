//! Reading a request body within its limits: its size, and its time.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Body;

use crate::answers::{self, Answer};
use crate::endpoint::deadline::Deadline;

/// A request body the server can read: hyper's, axum's, or any other for tests and benchmarks.
pub(crate) trait RequestBody: Body<Data = Bytes, Error: Into<BoxError>> + Send {}

impl<B: Body<Data = Bytes, Error: Into<BoxError>> + Send> RequestBody for B {}

/// Any error a body may fail with.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Reads the whole body, refusing one larger than `limit` without reading the rest. A body that
/// comes in one piece (the usual case) is kept as it is, without a copy.
pub(crate) async fn read_body<B: RequestBody>(body: B, limit: usize) -> Result<Bytes, Answer> {
    // hyper's body announces the declared `Content-Length` as its lower bound.
    if body.size_hint().lower() > limit as u64 {
        return Err(answers::PAYLOAD_TOO_LARGE);
    }
    let mut body = std::pin::pin!(body);
    let mut first = None;
    let mut joined: Option<BytesMut> = None;
    let mut total = 0;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|_| answers::BODY_NOT_READ)?.into_data() else {
            continue; // Trailers carry nothing a webhook needs.
        };
        total += data.len();
        if total > limit {
            return Err(answers::PAYLOAD_TOO_LARGE);
        }
        match (&first, &mut joined) {
            (None, _) => first = Some(data),
            (Some(head), None) => {
                let mut buffer = BytesMut::with_capacity(head.len() + data.len());
                buffer.extend_from_slice(head);
                buffer.extend_from_slice(&data);
                joined = Some(buffer);
            }
            (Some(_), Some(buffer)) => buffer.extend_from_slice(&data),
        }
    }
    Ok(match (joined, first) {
        (Some(buffer), _) => buffer.freeze(),
        (None, Some(data)) => data,
        (None, None) => Bytes::new(),
    })
}

pin_project_lite::pin_project! {
    /// `read`'s output, or `None` past its timeout. A body that came with the headers (most do)
    /// is read at the first poll, without arming a timer.
    pub(crate) struct ReadWithin<F> {
        #[pin]
        read: F,
        deadline: Deadline,
    }
}

impl<F: Future> ReadWithin<F> {
    pub(crate) fn new(read: F, timeout: Duration) -> Self {
        ReadWithin {
            read,
            deadline: Deadline::from_first_poll(timeout),
        }
    }
}

impl<F: Future> Future for ReadWithin<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.read.poll(cx) {
            return Poll::Ready(Some(output));
        }
        if this.deadline.poll_expired(cx) {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }
}
