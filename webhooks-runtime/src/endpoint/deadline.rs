//! A wait's time limit, kept as `tokio::time::timeout` keeps it, in two words: a handler's run
//! (`Invoking`) and a body's read (`ReadWithin`) each hold one beside what they wait for.

use std::future::Future;
use std::pin::Pin;
use std::task::Context;
use std::time::Duration;

/// A timeout and its timer. The timer is boxed: most waits have no timeout or end before it, and
/// what holds a deadline stays small. It is polled outside the task's cooperative budget, as
/// tokio's `Timeout` polls its own: a wait that used the budget up still times out.
pub(crate) struct Deadline {
    timeout: Duration,
    timer: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl Deadline {
    /// Counting from now.
    pub(crate) fn started(timeout: Duration) -> Self {
        Deadline {
            timeout,
            timer: Some(timer(timeout)),
        }
    }

    /// Counting from the first [`Self::poll_expired`]: a wait that ends at its first poll arms no
    /// timer.
    pub(crate) fn from_first_poll(timeout: Duration) -> Self {
        Deadline {
            timeout,
            timer: None,
        }
    }

    /// How long it is.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether the time is up; when not, the task is woken when it is.
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>) -> bool {
        let timeout = self.timeout;
        self.timer
            .get_or_insert_with(|| timer(timeout))
            .as_mut()
            .poll(cx)
            .is_ready()
    }
}

fn timer(timeout: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(tokio::task::unconstrained(tokio::time::sleep(timeout)))
}
