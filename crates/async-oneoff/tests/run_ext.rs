//! `RunExt` beside pollster's `FutureExt` in one file: both imported, both called with method
//! syntax (pollster's is `block_on`, which `RunExt` does not use).

use oneoff::{AsyncContext, RunExt, current_context};
use pollster::FutureExt;

/// Where the future was polled: inside a oneoff run, or not.
async fn context() -> Option<AsyncContext> {
    current_context()
}

#[test]
fn both_extension_traits_in_one_file() {
    assert_eq!(context().block_on(), None, "pollster's block_on");
    assert_eq!(
        context().run().unwrap(),
        Some(AsyncContext::Oneoff(
            <oneoff::Runner as oneoff::OneOffRunner>::BACKEND
        )),
        "oneoff's run"
    );
}

/// `run_on::<R>()` runs on `R`: once on each enabled backend, in the list's order.
#[test]
fn run_on_picks_the_backend() {
    let contexts = oneoff::for_each_backend!(run_on_each);
    let expected: Vec<_> = oneoff::Backend::ALL
        .iter()
        .map(|backend| Some(AsyncContext::Oneoff(backend.info())))
        .collect();
    assert_eq!(contexts.to_vec(), expected);
}

macro_rules! run_on_each {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
        [$(
            #[cfg(feature = $feature)]
            context().run_on::<$runner>().unwrap(),
        )*]
    };
}
use run_on_each;
