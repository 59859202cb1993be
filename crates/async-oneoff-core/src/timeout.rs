//! A runtime-neutral timeout: the future raced against any timer future, with the deadline
//! also checked after every poll, so that a future that is never idle cannot outrun it.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;
use std::time::Instant;

/// Polls `future` until it completes or `deadline` passes: `Some(output)` when the future
/// completes first, `None` when the deadline passes. Dropping the returned future drops both.
///
/// `timer` is the backend's own timer for `deadline`: it wakes the task when the future is
/// idle. The deadline is also checked against the clock after every poll that leaves the
/// future pending, so a future that wakes itself at once every time (and so never lets the
/// runtime's timer fire, or never lets a parker's deadline wait time out) is still cancelled.
/// The future is polled first, so one that is ready at once wins even against a deadline that
/// has passed.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use futures_lite::future::{block_on, pending, yield_now};
/// use oneoff_core::until_deadline;
///
/// let soon = Instant::now() + Duration::from_millis(5);
/// let timer = async_io::Timer::at(soon);
/// assert_eq!(block_on(until_deadline(async { 1 }, soon, timer)), Some(1));
///
/// let timer = async_io::Timer::at(soon);
/// assert_eq!(block_on(until_deadline(pending::<u8>(), soon, timer)), None);
///
/// // A future that is never idle, against a timer that never fires:
/// let busy = async { loop { yield_now().await } };
/// let never = std::future::pending::<()>();
/// assert_eq!(block_on(until_deadline(busy, soon, never)), None::<()>);
/// ```
pub async fn until_deadline<F, T>(future: F, deadline: Instant, timer: T) -> Option<F::Output>
where
    F: Future,
    T: Future,
{
    let mut future = pin!(future);
    let mut timer = pin!(timer);
    poll_fn(move |cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if Instant::now() >= deadline || timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}
