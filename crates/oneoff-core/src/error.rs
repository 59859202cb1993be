//! The one error type of every oneoff call: what can fail around the future, never its output.

use std::any::Any;
use std::io;
use std::time::Duration;

use crate::AsyncContext;

/// What can go wrong around a oneoff run. The future's own output is returned as it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The backend's runtime could not be started.
    #[error(
        "could not start the {backend} runtime: {source}; check the thread and file limits of this process"
    )]
    Start {
        /// The backend whose runtime failed to start.
        backend: &'static str,
        /// What the runtime's builder reported.
        #[source]
        source: io::Error,
    },
    /// The call was made on a thread that is already running async code.
    #[error(
        "cannot block on a future with {backend} from inside {context}: \
         blocking here would panic or deadlock; .await the future instead{hint}",
        hint = context.escape_hint()
    )]
    Nested {
        /// The backend that was asked to run the future.
        backend: &'static str,
        /// The async context already running on this thread.
        context: AsyncContext,
    },
    /// The future did not complete in time; it was dropped, so nothing of it keeps running.
    #[error(
        "the future did not complete within {after:?} on {backend} and was cancelled; raise the timeout or check what it waits for"
    )]
    Timeout {
        /// The backend that ran the future.
        backend: &'static str,
        /// The timeout that ran out.
        after: Duration,
    },
    /// The backend cannot do what was asked where it was asked.
    #[error("{backend} cannot run the future here: {reason}")]
    Unsupported {
        /// The backend that was asked.
        backend: &'static str,
        /// Why not, and what to do instead.
        reason: &'static str,
    },
    /// The future panicked (returned only by the `try_` forms; the others unwind).
    #[error("the future panicked on {backend}: {message}")]
    Panicked {
        /// The backend that ran the future.
        backend: &'static str,
        /// The panic's message, or a placeholder when its payload is not a string.
        message: String,
    },
}

/// The message of a panic payload, as `std` prints it: the `&str` or `String` it carries, or
/// `Box<dyn Any>` for any other payload.
///
/// # Examples
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("boom {}", 1)).unwrap_err();
/// assert_eq!(oneoff_core::panic_message(payload.as_ref()), "boom 1");
/// ```
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}
