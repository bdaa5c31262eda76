//! Spawning tasks with their work boxed.
//!
//! tokio's task machinery (the harness, the cell, cancellation, the join handle) is generic over
//! what a task runs, so every distinct future or closure spawned compiles a copy of it: about 1,800
//! lines of LLVM IR each, 30 copies in this crate before these functions (`cargo llvm-lines`), a
//! tenth of the code every user's release build optimizes. Spawned through here, tasks share one
//! copy per output type. A task is spawned per connection or per journal call, so the box is one
//! allocation beside tokio's own.

use std::future::Future;
use std::pin::Pin;

use tokio::task::JoinHandle;

/// A future boxed to be spawned: on its own, or into a `JoinSet`.
pub(crate) type Task<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// `future` as a [`Task`].
pub(crate) fn boxed<T>(future: impl Future<Output = T> + Send + 'static) -> Task<T> {
    Box::pin(future)
}

/// `tokio::spawn`, with the future boxed.
pub(crate) fn spawn<T: Send + 'static>(
    future: impl Future<Output = T> + Send + 'static,
) -> JoinHandle<T> {
    tokio::spawn(boxed(future))
}

/// `tokio::task::spawn_blocking`, with the closure boxed.
pub(crate) fn spawn_blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> JoinHandle<T> {
    let work: Box<dyn FnOnce() -> T + Send> = Box::new(work);
    tokio::task::spawn_blocking(work)
}
