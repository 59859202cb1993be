//! Every entry point takes `impl IntoFuture`, as `pollster::block_on` does: a value that only
//! turns into a future (a request builder, say) is run without `.into_future()`, and it is
//! turned into one only once the nested-call check has passed.

use std::future::{IntoFuture, Ready, ready};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use oneoff::{Backend, Error, OneOffRunner, Options, RunExt};

/// Not a future: turns into one that is ready with 42, and counts how often it was turned.
/// `Send`, so that the portal's thread may turn it too.
struct IntoAnswer(Arc<AtomicU32>);

impl IntoFuture for IntoAnswer {
    type Output = u32;
    type IntoFuture = Ready<u32>;

    fn into_future(self) -> Ready<u32> {
        self.0.fetch_add(1, Ordering::SeqCst);
        ready(42)
    }
}

/// Counts the conversions of the `IntoAnswer`s it makes.
#[derive(Default)]
struct Answers(Arc<AtomicU32>);

impl Answers {
    fn answer(&self) -> IntoAnswer {
        IntoAnswer(Arc::clone(&self.0))
    }

    fn converted(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
}

const LONG: Duration = Duration::from_secs(60);

/// Every method of the trait, on backend `R`: the provided ones, which the inherent methods and
/// every wrapper call.
fn trait_methods<R: OneOffRunner>() {
    let answers = Answers::default();
    assert_eq!(R::run(answers.answer()).unwrap(), 42);
    assert_eq!(R::run_with(|_: ()| answers.answer(), ()).unwrap(), 42);
    assert_eq!(R::run_timeout(answers.answer(), LONG).unwrap(), 42);
    assert_eq!(R::try_run(answers.answer()).unwrap(), 42);
    let runner = R::new().unwrap();
    assert_eq!(runner.block_on(answers.answer()).unwrap(), 42);
    assert_eq!(runner.block_on_timeout(answers.answer(), LONG).unwrap(), 42);
    assert_eq!(runner.try_block_on(answers.answer()).unwrap(), 42);
    assert_eq!(answers.converted(), 7);
}

macro_rules! each_runner {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {$(
        #[cfg(feature = $feature)]
        #[allow(non_snake_case)]
        mod $variant {
            // No `OneOffRunner` here: the runner types' own methods must do.
            use super::{Answers, LONG, trait_methods};

            #[test]
            fn trait_methods_take_into_future() {
                trait_methods::<$runner>();
                trait_methods::<oneoff::Configured<$runner>>();
                #[cfg(feature = "tokio-compat")]
                trait_methods::<oneoff::TokioCompat<$runner>>();
            }

            /// The runner type's own methods.
            #[test]
            fn inherent_methods_take_into_future() {
                let answers = Answers::default();
                assert_eq!(<$runner>::run(answers.answer()).unwrap(), 42);
                assert_eq!(<$runner>::run_with(|_: ()| answers.answer(), ()).unwrap(), 42);
                assert_eq!(<$runner>::run_timeout(answers.answer(), LONG).unwrap(), 42);
                assert_eq!(<$runner>::try_run(answers.answer()).unwrap(), 42);
                let runner = <$runner>::new().unwrap();
                assert_eq!(runner.block_on(answers.answer()).unwrap(), 42);
                assert_eq!(runner.block_on_timeout(answers.answer(), LONG).unwrap(), 42);
                assert_eq!(runner.try_block_on(answers.answer()).unwrap(), 42);
                assert_eq!(answers.converted(), 7);
            }

            /// `TokioCompat`'s own methods, which it did not have before.
            #[cfg(feature = "tokio-compat")]
            #[test]
            fn tokio_compat_inherent_methods_take_into_future() {
                type Compat = oneoff::TokioCompat<$runner>;
                let answers = Answers::default();
                assert_eq!(Compat::run(answers.answer()).unwrap(), 42);
                assert_eq!(Compat::run_with(|_: ()| answers.answer(), ()).unwrap(), 42);
                assert_eq!(Compat::run_timeout(answers.answer(), LONG).unwrap(), 42);
                assert_eq!(Compat::try_run(answers.answer()).unwrap(), 42);
                let runner = Compat::new().unwrap();
                assert_eq!(runner.block_on(answers.answer()).unwrap(), 42);
                assert_eq!(runner.block_on_timeout(answers.answer(), LONG).unwrap(), 42);
                assert_eq!(runner.try_block_on(answers.answer()).unwrap(), 42);
                assert_eq!(answers.converted(), 7);
            }
        }
    )*};
}

oneoff::for_each_backend!(each_runner);

#[test]
fn free_functions_take_into_future() {
    let answers = Answers::default();
    assert_eq!(oneoff::run(answers.answer()).unwrap(), 42);
    assert_eq!(oneoff::run_with(|_: ()| answers.answer(), ()).unwrap(), 42);
    assert_eq!(oneoff::run_timeout(answers.answer(), LONG).unwrap(), 42);
    assert_eq!(oneoff::try_run(answers.answer()).unwrap(), 42);
    assert_eq!(answers.converted(), 4);
}

#[test]
fn options_and_configured_take_into_future() {
    let answers = Answers::default();
    let options = Options::new().debug(true);
    assert_eq!(options.run(answers.answer()).unwrap(), 42);
    assert_eq!(options.run_timeout(answers.answer(), LONG).unwrap(), 42);
    let runner = options.runner().unwrap();
    assert_eq!(runner.block_on(answers.answer()).unwrap(), 42);
    assert_eq!(runner.block_on_timeout(answers.answer(), LONG).unwrap(), 42);
    assert_eq!(runner.try_block_on(answers.answer()).unwrap(), 42);
    assert_eq!(answers.converted(), 5);
}

#[test]
fn backend_and_any_runner_take_into_future() {
    for backend in Backend::ALL {
        let answers = Answers::default();
        assert_eq!(backend.run(answers.answer()).unwrap(), 42);
        assert_eq!(backend.run_timeout(answers.answer(), LONG).unwrap(), 42);
        assert_eq!(backend.try_run(answers.answer()).unwrap(), 42);
        #[cfg(feature = "tokio-compat")]
        assert_eq!(backend.run_tokio_compat(answers.answer()).unwrap(), 42);
        let runner = backend.runner().unwrap();
        assert_eq!(runner.block_on(answers.answer()).unwrap(), 42);
        assert_eq!(runner.block_on_timeout(answers.answer(), LONG).unwrap(), 42);
        assert_eq!(runner.try_block_on(answers.answer()).unwrap(), 42);
        let expected = if cfg!(feature = "tokio-compat") { 7 } else { 6 };
        assert_eq!(answers.converted(), expected, "on {backend}");
    }
}

#[test]
fn run_ext_takes_into_future() {
    let answers = Answers::default();
    assert_eq!(answers.answer().run().unwrap(), 42);
    assert_eq!(answers.answer().run_on::<oneoff::Runner>().unwrap(), 42);
    assert_eq!(answers.answer().run_timeout(LONG).unwrap(), 42);
    assert_eq!(answers.answer().try_run().unwrap(), 42);
    let runner = oneoff::Runner::new().unwrap();
    assert_eq!(answers.answer().run_in(&runner).unwrap(), 42);
    assert_eq!(answers.converted(), 5);
}

/// A nested call is refused before the value is turned into a future, as `run_with` is
/// refused before its function is called.
#[test]
fn a_nested_call_does_not_convert() {
    let answers = Answers::default();
    let runner = oneoff::Runner::new().unwrap();
    let nested = oneoff::run(async {
        [
            oneoff::run(answers.answer()),
            oneoff::try_run(answers.answer()),
            oneoff::run_timeout(answers.answer(), LONG),
            runner.block_on(answers.answer()),
            runner.try_block_on(answers.answer()),
            runner.block_on_timeout(answers.answer(), LONG),
            answers.answer().run(),
        ]
    })
    .unwrap();
    for result in nested {
        assert!(matches!(result, Err(Error::Nested { .. })), "{result:?}");
    }
    assert_eq!(answers.converted(), 0);
}

#[cfg(feature = "portal")]
#[test]
fn portal_calls_take_into_future() {
    let answers = Answers::default();
    let portal = oneoff::BlockingPortal::<oneoff::Runner>::new().unwrap();
    assert_eq!(portal.call(answers.answer()).unwrap(), 42);
    assert_eq!(portal.try_call(answers.answer()).unwrap(), 42);
    assert_eq!(portal.call_timeout(answers.answer(), LONG).unwrap(), 42);
    assert_eq!(answers.converted(), 3);
}

#[cfg(feature = "tokio")]
#[test]
fn tokio_builders_and_block_in_place_take_into_future() {
    let answers = Answers::default();
    assert_eq!(oneoff::Tokio::builder().run(answers.answer()).unwrap(), 42);
    let multi = oneoff::TokioMultiThread::builder().worker_threads(1);
    assert_eq!(multi.run(answers.answer()).unwrap(), 42);
    assert_eq!(answers.converted(), 2);
    let answer = answers.answer();
    let in_place = oneoff::TokioMultiThread::run(async {
        tokio::spawn(async move { oneoff::block_in_place(answer) })
            .await
            .unwrap()
    });
    assert_eq!(in_place.unwrap().unwrap(), 42);
    assert_eq!(answers.converted(), 3);
}
