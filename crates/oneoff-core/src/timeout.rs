//! A runtime-neutral timeout: the future raced against any timer future.

use std::future::Future;

/// Polls `future` and `timer` until one completes, `future` first: `Some(output)` when the
/// future wins, `None` when the timer does. Dropping the returned future drops both.
///
/// Because `future` is polled first, a future that is ready at once wins even against a timer
/// that has already fired. Backends use it with their own timer; any timer future works.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use futures_lite::future::{block_on, pending};
/// use oneoff_core::race_timer;
///
/// let timer = async_io::Timer::after(Duration::from_millis(1));
/// assert_eq!(block_on(race_timer(async { 1 }, timer)), Some(1));
///
/// let timer = async_io::Timer::after(Duration::from_millis(1));
/// assert_eq!(block_on(race_timer(pending::<u8>(), timer)), None);
/// ```
pub async fn race_timer<F, T>(future: F, timer: T) -> Option<F::Output>
where
    F: Future,
    T: Future,
{
    futures_lite::future::or(async { Some(future.await) }, async {
        timer.await;
        None
    })
    .await
}
