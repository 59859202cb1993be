//! What the attributes of the `macros` feature expand to: how a test runs under its timeout,
//! and which backends this build enables, decided here because the crate that uses
//! `#[oneoff::test_each_backend]` sees only its own features. Not an API.

use std::fmt::Debug;
use std::future::IntoFuture;
use std::panic::resume_unwind;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use crate::{Error, OneOffRunner};

pub use oneoff_macros::__backend_test as backend_test;

pub use crate::__oneoff_each_backend_test as each_backend_test;

/// For each backend of the list, `keep!` when this build of oneoff enables it and `skip!`
/// otherwise, under the backend's variant name.
macro_rules! enabled {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
        /// `keep!` or `skip!` per backend, by its variant name.
        pub mod enabled {
            $(
                #[cfg(feature = $feature)]
                pub use crate::__oneoff_keep as $variant;
                #[cfg(not(feature = $feature))]
                pub use crate::__oneoff_skip as $variant;
            )*
        }
    };
}

crate::for_each_backend!(enabled);

/// Expands to its input: a backend this build enables.
#[doc(hidden)]
#[macro_export]
macro_rules! __oneoff_keep {
    ($($tokens:tt)*) => {
        $($tokens)*
    };
}

/// Expands to nothing: a backend this build lacks.
#[doc(hidden)]
#[macro_export]
macro_rules! __oneoff_skip {
    ($($tokens:tt)*) => {};
}

/// The tests of one `#[oneoff::test_each_backend]` function: `(args)` and the list's entries
/// in, one `backend_test!` per backend this build enables out.
#[doc(hidden)]
#[macro_export]
macro_rules! __oneoff_each_backend_test {
    ($args:tt $($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
        $(
            $crate::__private::enabled::$variant! {
                $crate::__private::backend_test! { $name, $runner, $args }
            }
        )*
    };
}

/// `#[oneoff::main]`: runs `main` on a fresh runtime of `R`, and panics with oneoff's message
/// when that cannot be done.
#[track_caller]
pub fn run_main<R, F, Fut>(main: F) -> Fut::Output
where
    R: OneOffRunner,
    F: FnOnce() -> Fut,
    Fut: IntoFuture,
{
    R::run(main()).unwrap_or_else(|err| panic!("#[oneoff::main] could not run main: {err}"))
}

/// What an async test may return: `()`, or `Result<(), E>` whose `Err` fails the test.
#[diagnostic::on_unimplemented(
    message = "an async test returns `()` or `Result<(), E>` with `E: Debug`, not `{Self}`",
    label = "return `()` or `Result<(), E>` here"
)]
pub trait TestOutput {
    /// What failed, if the test did.
    fn failure(self) -> Option<String>;
}

impl TestOutput for () {
    fn failure(self) -> Option<String> {
        None
    }
}

impl<E: Debug> TestOutput for Result<(), E> {
    fn failure(self) -> Option<String> {
        self.err().map(|err| format!("{err:?}"))
    }
}

/// How much longer than its timeout a test is waited for before it is called hung: the
/// timeout cancels a future that yields; one that blocks its thread cannot be cancelled.
const GRACE: Duration = Duration::from_secs(5);

/// `#[oneoff::test]` and `#[oneoff::test_each_backend]`: runs `test` on a fresh runtime of `R`
/// on a thread of its own, named `name` like the test, and fails (panics) with a message that
/// names the test and the backend when it returns an error or does not finish in `timeout`.
/// The test's own panic is resumed with its payload, for `#[should_panic(expected = "..")]`.
///
/// The thread, not the caller's, runs it so that a body that blocks its thread is reported
/// as hung and left behind, instead of stopping the whole test binary.
pub fn run_test<R, F, Fut>(name: &'static str, timeout: Duration, test: F)
where
    R: OneOffRunner,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: IntoFuture,
    Fut::Output: TestOutput,
{
    let backend = R::NAME;
    let (sender, receiver) = mpsc::channel();
    let worker = thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let outcome = R::run_timeout(test(), timeout).map(TestOutput::failure);
            // The receiver is gone only when the test was already called hung.
            let _ = sender.send(outcome);
        })
        .unwrap_or_else(|err| panic!("{name} could not start its thread: {err}"));
    let hung_after = timeout + timeout.min(GRACE);
    match receiver.recv_timeout(hung_after) {
        Ok(outcome) => {
            // The worker has sent its last word; joining it only waits for its exit.
            let _ = worker.join();
            match outcome {
                Ok(None) => {}
                Ok(Some(failure)) => panic!("{name} returned an error on {backend}: {failure}"),
                Err(Error::Timeout { .. }) => panic!(
                    "{name} did not finish within {timeout:?} on {backend} and was cancelled; \
                     raise the attribute's `timeout = \"..\"` or check what the test waits for"
                ),
                Err(err) => panic!("{name} could not run on {backend}: {err}"),
            }
        }
        Err(RecvTimeoutError::Timeout) => panic!(
            "{name} hung on {backend}: no poll returned within {hung_after:?}, so something \
             blocks its thread (a blocking call, a deadlocked lock); its thread is left behind"
        ),
        Err(RecvTimeoutError::Disconnected) => match worker.join() {
            Err(payload) => resume_unwind(payload),
            Ok(()) => unreachable!("the test's thread sends before it returns"),
        },
    }
}
