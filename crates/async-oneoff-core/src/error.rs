//! The one error type of every oneoff call: what can fail around the future, never its output.

use std::any::Any;
use std::fmt;
use std::io;
use std::sync::Mutex;
use std::time::Duration;

use crate::AsyncContext;

/// What can go wrong around a oneoff run. The future's own output is returned as it is.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The backend's runtime could not be started; [`source`](std::error::Error::source) says
    /// what the runtime's builder reported.
    Start {
        /// The backend whose runtime failed to start.
        backend: &'static str,
        /// What the runtime's builder reported.
        source: io::Error,
    },
    /// The call was made on a thread that is already running async code.
    Nested {
        /// The backend that was asked to run the future.
        backend: &'static str,
        /// The async context already running on this thread.
        context: AsyncContext,
    },
    /// The future did not complete in time and was dropped. Tasks it spawned onto a runtime
    /// that outlives the call (a reused runner, a global executor) keep running.
    Timeout {
        /// The backend that ran the future.
        backend: &'static str,
        /// The timeout that ran out.
        after: Duration,
    },
    /// The backend cannot do what was asked where it was asked.
    Unsupported {
        /// The backend that was asked.
        backend: &'static str,
        /// Why not, and what to do instead.
        reason: &'static str,
    },
    /// The future (or a spawned task) panicked: returned by the `try_` forms and by awaiting
    /// a [`Task`](crate::Task); the other forms unwind with the original payload.
    Panicked {
        /// The backend that ran the future.
        backend: &'static str,
        /// The panic's message, or `Box<dyn Any>` when its payload is not a string.
        message: String,
        /// The panic's original payload, for [`Error::into_panic`] and
        /// [`std::panic::resume_unwind`].
        payload: PanicPayload,
    },
    /// Ctrl-C (SIGINT) arrived during a run that handles it (see `Options::ctrl_c`): the
    /// future was dropped, its destructors have run.
    Interrupted {
        /// The backend that ran the future.
        backend: &'static str,
    },
    /// A builder was given an option the runtime cannot take.
    InvalidOption {
        /// The backend whose builder refused.
        backend: &'static str,
        /// The option, as the builder's method names it.
        option: &'static str,
        /// Why, and what to give instead.
        reason: &'static str,
    },
    /// A spawned task was cancelled before it finished: its runtime was torn down, or it was
    /// cancelled through its [`Task`](crate::Task).
    Cancelled {
        /// The backend the task was spawned on.
        backend: &'static str,
    },
    /// A call to a portal (the facade's `oneoff::BlockingPortal`) that could not run or finish
    /// because the portal is closed: it was closed, every handle to it was dropped, or its
    /// thread ended.
    Closed {
        /// The backend that runs the portal.
        backend: &'static str,
        /// Why, as it concerns this call.
        reason: &'static str,
    },
    /// The future (or a spawned task) needs a tokio runtime, for tokio's timer, I/O or
    /// `tokio::spawn`, and none runs it: tokio's "there is no reactor running" panic, caught
    /// where the backend polls the future and returned in its place, by every form of call.
    /// Run it in the facade's `oneoff::TokioCompat` (feature `tokio-compat`) or on the `tokio`
    /// backend.
    NeedsTokio {
        /// The backend that ran the future.
        backend: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The builder's own report is the `source`, so that an error chain prints it once.
            Error::Start { backend, .. } => write!(
                f,
                "could not start the {backend} runtime; check the thread and file limits of \
                 this process"
            ),
            Error::Nested { backend, context } => write!(
                f,
                "cannot block on a future with {backend} from inside {context}: blocking here \
                 would panic or deadlock; .await the future instead{}",
                context.escape_hint()
            ),
            Error::Timeout { backend, after } => write!(
                f,
                "the future did not complete within {after:?} on {backend} and was cancelled; \
                 raise the timeout or check what it waits for"
            ),
            Error::Unsupported { backend, reason } => {
                write!(f, "{backend} cannot run the future here: {reason}")
            }
            Error::Panicked {
                backend, message, ..
            } => write!(f, "the future panicked on {backend}: {message}"),
            Error::Interrupted { backend } => write!(
                f,
                "the run on {backend} was interrupted by Ctrl-C (SIGINT) and its future was \
                 dropped; press Ctrl-C twice to end the process at once"
            ),
            Error::InvalidOption {
                backend,
                option,
                reason,
            } => write!(f, "invalid {option} for {backend}: {reason}"),
            Error::Cancelled { backend } => write!(
                f,
                "the task spawned on {backend} was cancelled before it finished"
            ),
            Error::Closed { backend, reason } => write!(
                f,
                "the portal on {backend} is closed: {reason}; open a new portal for later calls"
            ),
            Error::NeedsTokio { backend } => write!(
                f,
                "the future needs a tokio runtime (tokio::time, tokio::net, tokio::spawn, or a \
                 library built on them) and none runs it on {backend}: run it in \
                 oneoff::TokioCompat (async-oneoff's `tokio-compat` feature) or on the `tokio` \
                 backend"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Start { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Error {
    /// The [`Error::Panicked`] of a panic with `payload`, its message read from the payload;
    /// [`Error::NeedsTokio`] when the panic is tokio's "there is no reactor running".
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff_core::Error;
    ///
    /// let payload = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
    /// let err = Error::panicked("demo", payload);
    /// assert_eq!(err.to_string(), "the future panicked on demo: boom");
    ///
    /// let payload = std::panic::catch_unwind(|| {
    ///     panic!("there is no reactor running, must be called from the context of a Tokio 1.x runtime")
    /// });
    /// let err = Error::panicked("demo", payload.unwrap_err());
    /// assert!(matches!(err, Error::NeedsTokio { backend: "demo" }));
    /// ```
    pub fn panicked(backend: &'static str, payload: Box<dyn Any + Send>) -> Self {
        if crate::needs_tokio::is_missing_tokio(payload.as_ref()) {
            return Error::NeedsTokio { backend };
        }
        Error::Panicked {
            backend,
            message: panic_message(payload.as_ref()),
            payload: PanicPayload(Mutex::new(payload)),
        }
    }

    /// Whether this is [`Error::Panicked`].
    ///
    /// # Examples
    ///
    /// ```
    /// let payload = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
    /// assert!(oneoff_core::Error::panicked("demo", payload).is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, Error::Panicked { .. })
    }

    /// The original payload of a panic, to re-raise it with [`std::panic::resume_unwind`];
    /// any other error comes back as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// let payload = std::panic::catch_unwind(|| std::panic::panic_any(7_u32)).unwrap_err();
    /// let err = oneoff_core::Error::panicked("demo", payload);
    /// let payload = err.try_into_panic().unwrap();
    /// assert_eq!(payload.downcast_ref::<u32>(), Some(&7));
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send>, Error> {
        match self {
            Error::Panicked { payload, .. } => Ok(payload.into_inner()),
            other => Err(other),
        }
    }

    /// The original payload of a panic, like tokio's `JoinError::into_panic`.
    ///
    /// # Panics
    ///
    /// When the error is not [`Error::Panicked`]; use [`try_into_panic`](Self::try_into_panic)
    /// to keep the error instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
    ///
    /// let payload = catch_unwind(|| panic!("boom")).unwrap_err();
    /// let err = oneoff_core::Error::panicked("demo", payload);
    /// let payload = err.into_panic();
    /// let again = catch_unwind(AssertUnwindSafe(|| resume_unwind(payload))).unwrap_err();
    /// assert_eq!(oneoff_core::panic_message(again.as_ref()), "boom");
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send> {
        self.try_into_panic().unwrap_or_else(|err| {
            panic!("Error::into_panic called on an error that is not a panic: {err}")
        })
    }
}

/// The payload of a panic, kept in [`Error::Panicked`] so that the caller can re-raise it.
///
/// A panic payload is `Send` but not `Sync`; this wrapper hands it out only by value, which
/// keeps [`Error`] `Send + Sync` (so it converts into `anyhow::Error` and the like).
pub struct PanicPayload(Mutex<Box<dyn Any + Send>>);

impl PanicPayload {
    /// The payload, as `catch_unwind` returned it.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff_core::Error;
    ///
    /// let payload = std::panic::catch_unwind(|| std::panic::panic_any(1_u8)).unwrap_err();
    /// if let Error::Panicked { payload, .. } = Error::panicked("demo", payload) {
    ///     assert_eq!(payload.into_inner().downcast_ref::<u8>(), Some(&1));
    /// }
    /// ```
    pub fn into_inner(self) -> Box<dyn Any + Send> {
        // Nothing panics while holding the lock (it is never taken), so it is never poisoned;
        // a poisoned one would still hold the payload.
        self.0
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for PanicPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PanicPayload(..)")
    }
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

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    /// Every line of an error chain, as anyhow and eyre print it: the error, then each source.
    fn chain(err: &Error) -> Vec<String> {
        let mut lines = vec![err.to_string()];
        let mut source = err.source();
        while let Some(next) = source {
            lines.push(next.to_string());
            source = next.source();
        }
        lines
    }

    #[test]
    fn start_names_its_cause_once_in_a_chain() {
        let err = Error::Start {
            backend: "demo",
            source: io::Error::other("too many open files"),
        };
        assert_eq!(
            chain(&err),
            [
                "could not start the demo runtime; check the thread and file limits of this \
                 process",
                "too many open files",
            ]
        );
    }

    /// The messages, written out by hand, are the ones users and tests have seen.
    #[test]
    fn messages_are_unchanged() {
        static TOKIO_LIKE: crate::BackendInfo = crate::BackendInfo::new(
            "tokio",
            crate::Escape::SpawnBlocking,
            crate::NativeIo::Tokio,
        );
        let cases = [
            (
                Error::Nested {
                    backend: "smol",
                    context: AsyncContext::Oneoff(&TOKIO_LIKE),
                },
                "cannot block on a future with smol from inside a oneoff run on tokio: blocking \
                 here would panic or deadlock; .await the future instead, or, if this \
                 synchronous code must block, move it into tokio::task::spawn_blocking, where \
                 oneoff runs futures",
            ),
            (
                Error::Timeout {
                    backend: "smol",
                    after: Duration::from_millis(20),
                },
                "the future did not complete within 20ms on smol and was cancelled; raise the \
                 timeout or check what it waits for",
            ),
            (
                Error::Unsupported {
                    backend: "pollster",
                    reason: "no executor",
                },
                "pollster cannot run the future here: no executor",
            ),
            (
                Error::Interrupted { backend: "smol" },
                "the run on smol was interrupted by Ctrl-C (SIGINT) and its future was dropped; \
                 press Ctrl-C twice to end the process at once",
            ),
            (
                Error::InvalidOption {
                    backend: "tokio",
                    option: "thread_name",
                    reason: "empty",
                },
                "invalid thread_name for tokio: empty",
            ),
            (
                Error::Cancelled { backend: "smol" },
                "the task spawned on smol was cancelled before it finished",
            ),
            (
                Error::Closed {
                    backend: "smol",
                    reason: "it was closed",
                },
                "the portal on smol is closed: it was closed; open a new portal for later calls",
            ),
        ];
        for (err, message) in cases {
            assert_eq!(err.to_string(), message);
            assert!(err.source().is_none(), "{err:?} has a source");
        }
    }

    #[test]
    fn is_send_sync_and_static() {
        fn error<E: std::error::Error + Send + Sync + 'static>() {}
        error::<Error>();
    }
}
