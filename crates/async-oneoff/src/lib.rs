//! Run one async function from ordinary synchronous code, on the async runtime you pick with a
//! cargo feature, and know what it costs: Rust's answer to Python's `asyncio.run` and
//! `asyncio.Runner`.
//!
//! ```toml
//! [dependencies]
//! async-oneoff = "0.1" # the library is `oneoff`; futures-lite by default
//! ```
//!
//! ```
//! async fn work(arg: u64) -> u64 { arg * 100 }
//! let result = oneoff::run(work(100))?; // like asyncio.run(work(100))
//! assert_eq!(result, 10_000);
//! # Ok::<(), oneoff::Error>(())
//! ```
//!
//! **Which backend?** The future needs tokio (its I/O or timers, reqwest, tonic): feature
//! `tokio`. It needs no runtime of its own: the default, `futures-lite`. Several threads share one
//! async world: [`BlockingPortal`]. The measured costs and the rest: [`guide::choosing`].
//!
//! [`run`] starts a fresh runtime, runs one future to completion on the calling thread, tears
//! the runtime down and returns the output, like `asyncio.run`; a [`Runner`] keeps one runtime
//! for many runs, like `asyncio.Runner`; [`run_with`] takes an async function and its argument.
//! On every backend a call made from inside running async code returns [`Error::Nested`]
//! instead of panicking or deadlocking, the `_timeout` forms drop the future when the time is
//! up, and a panic in the future reaches the caller with its payload: [`guide::promises`] has
//! the promise context by context and backend by backend, each cell pinned by a test.
//!
//! # Examples
//!
//! ```
//! async fn work(arg: u64) -> u64 {
//!     arg * 100
//! }
//!
//! // An async function and its argument:
//! assert_eq!(oneoff::run_with(work, 100)?, 10_000);
//!
//! // One runtime kept for many runs, like `asyncio.Runner` (no trait import needed):
//! let runner = oneoff::Runner::new()?;
//! for arg in 1..=3 {
//!     assert_eq!(runner.block_on(work(arg))?, arg * 100);
//! }
//!
//! // A backend picked by name at run time, as a `--backend` flag would:
//! for backend in oneoff::Backend::ALL {
//!     assert_eq!(backend.run(work(1))?, 100);
//! }
//! let err = "tokyo".parse::<oneoff::Backend>().unwrap_err();
//! assert!(err.to_string().starts_with("unknown backend `tokyo`"));
//! # Ok::<(), oneoff::Error>(())
//! ```
//!
//! # The guide
//!
//! - [`guide::tutorial`]: the one-off problem step by step, with the classic examples.
//! - [`guide::choosing`]: every backend's measured costs, and which to pick.
//! - [`guide::promises`]: what each call promises, where, on which backend.
//! - [`guide::pitfalls`]: the traps users report, and what oneoff does about them.
//! - [`guide::compare`] and [`guide::benchmarks`]: how the figures are measured
//!   (`cargo xtask compare`, `cargo bench`).
//!
//! # Backends
//!
//! Each backend is a feature named after it, and they add up: any mix builds. Every enabled
//! backend is reachable by its own type ([`Tokio`], [`TokioMultiThread`], [`Smol`], ...) and by
//! name through [`Backend`]; [`Runner`] (and so [`run`]) is the first enabled one in the
//! priority its documentation gives. With no backend feature the crate refuses to compile and
//! names the features to choose from. A library should not depend on which backend is the
//! default (any crate in the build can turn on another and move [`Runner`]): it names a runner
//! type (`oneoff::Smol::run`) or spawns through the backend-neutral [`spawn`]; [`run`] and
//! [`Runner`] are for binaries.
//!
//! ## Feature flags
//!
//! - the backends, one feature each: `futures-lite` (default), `tokio`, `smol` and the others
//!   in [`Backend`]'s table; `all-backends`: every one of them.
//! - `tokio-compat`: [`TokioCompat`] and [`Backend::run_tokio_compat`], futures that need tokio
//!   on every backend. Needs tokio's `rt` only; turns on `detect-tokio`.
//! - `macros`: [`main`], [`test`] and [`test_each_backend`], attributes for `async fn main`, an
//!   async test, and one async test run on every enabled backend (adds a proc-macro crate).
//! - `portal`: [`BlockingPortal`] and [`PortalTask`], one runner on a thread of its own that any
//!   thread calls into (adds `async-executor`).
//! - `ctrl-c`: [`Options::ctrl_c`](Options), the first Ctrl-C cancels a run (Unix;
//!   adds `libc`).
//! - `detect-tokio` (default), `detect-async-std`, `detect-futures-executor`: recognise that
//!   foreign runtime on the calling thread in every backend, so that a nested call returns
//!   [`Error::Nested`] instead of blocking it. `detect-tokio` needs only tokio's `rt`; turn the
//!   defaults off only if no tokio runtime can ever run the calling code.
//!
// An item whose feature is off is not in the build, so its links above go to the feature list
// instead: every build documents without a broken link, and docs.rs (all features) still links
// each item.
#![cfg_attr(
    not(feature = "tokio"),
    doc = "
[`Tokio`]: crate#feature-flags
[`TokioMultiThread`]: crate#feature-flags"
)]
#![cfg_attr(
    not(feature = "smol"),
    doc = "
[`Smol`]: crate#feature-flags"
)]
#![cfg_attr(
    not(feature = "tokio-compat"),
    doc = "
[`TokioCompat`]: crate#feature-flags
[`Backend::run_tokio_compat`]: crate#feature-flags"
)]
#![cfg_attr(
    not(feature = "macros"),
    doc = "
[`main`]: crate#feature-flags
[`test`]: crate#feature-flags
[`test_each_backend`]: crate#feature-flags"
)]
#![cfg_attr(
    not(feature = "portal"),
    doc = "
[`BlockingPortal`]: crate#feature-flags
[`PortalTask`]: crate#feature-flags"
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use oneoff_core::{
    AsyncContext, BackendInfo, Configured, DEBUG_ENV, DEFAULT_SLOW_POLL, Error, Escape, NativeIo,
    OneOffRunner, PanicPayload, Task, current_context, panic_message,
};

mod list;

/// Re-exports every backend's runner type from its crate, behind its feature: from the one
/// list of backends, which names each by its path there.
macro_rules! runners {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $krate:ident::$runner:ident,)*) => {
        $(
            #[cfg(feature = $feature)]
            #[cfg_attr(docsrs, doc(cfg(feature = $feature)))]
            pub use $krate::$runner;
        )*
    };
}

for_each_backend! { @crates [runners] [] }

// What a backend offers beyond its runner type.
#[cfg(feature = "smol")]
#[cfg_attr(docsrs, doc(cfg(feature = "smol")))]
pub use oneoff_smol::spawn as smol_spawn;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use oneoff_tokio::{DEFAULT_SHUTDOWN_TIMEOUT, TokioBuilder, block_in_place};

#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use oneoff_macros::{main, test, test_each_backend};
#[cfg(feature = "macros")]
#[doc(hidden)]
#[path = "macro_support.rs"]
pub mod __private;

#[cfg(feature = "tokio-compat")]
mod compat;
#[cfg(feature = "tokio-compat")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio-compat")))]
pub use compat::{COMPAT_THREAD, TokioCompat};

#[cfg(feature = "portal")]
mod portal;
#[cfg(feature = "portal")]
#[cfg_attr(docsrs, doc(cfg(feature = "portal")))]
pub use portal::{BlockingPortal, CLOSE_TIMEOUT, PORTAL_THREAD, PortalTask};

/// Refuses a build without a backend, naming every backend's feature, and keeps the items that
/// need a backend out of such a build (so that it fails with that one message and nothing
/// else): both from the one list of backends.
macro_rules! backend_gate {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
        #[cfg(not(any($(feature = $feature),*)))]
        compile_error!(concat!(
            "oneoff needs a backend: enable one of the features of its backends:",
            $(" ", $name, " (feature `", $feature, "`),",)*
            " for example `async-oneoff = { version = \"0.1\", default-features = false,",
            " features = [\"smol\"] }`"
        ));

        $(
            #[cfg(all(feature = "all-backends", not(feature = $feature)))]
            compile_error!(concat!(
                "the feature `all-backends` of oneoff must turn on `", $feature,
                "`: add it to the list in crates/async-oneoff/Cargo.toml"
            ));
        )*

        #[cfg(any($(feature = $feature),*))]
        mod backend;
        #[cfg(any($(feature = $feature),*))]
        mod default;
        #[cfg(any($(feature = $feature),*))]
        mod ext;
        #[cfg(any($(feature = $feature),*))]
        pub use crate::ext::RunExt;
        #[cfg(any($(feature = $feature),*))]
        pub use crate::{
            backend::{AnyRunner, Backend, UnknownBackend, spawn},
            default::{Options, Runner, run, run_timeout, run_with, try_run},
        };
    };
}

for_each_backend!(backend_gate);

/// Declares the guide's modules, one per page of `docs/`. The pages link to each other by
/// reference (`[the pitfalls][pitfalls.md]`), each defining its labels at its end for a reader
/// of the repository; here every label is defined again, first, as the module it names, and
/// rustdoc takes a label's first definition, so the same links work on docs.rs. The same way,
/// a label for an item whose feature is off in this build is defined first as the crate's
/// feature list, so that the guide documents without a broken link in every build.
macro_rules! guide {
    ($($page:ident,)*) => {
        guide!(@all [$($page)*] $($page)*);
    };
    (@all $all:tt $($page:ident)*) => {
        /// The guide: the pages of `docs/` in the repository, rendered here so that they read
        /// on docs.rs and their examples run as doctests.
        pub mod guide {
            $(guide!(@page $all $page);)*
        }
    };
    (@page [$($other:ident)*] $page:ident) => {
        $(#[doc = concat!("[", stringify!($other), ".md]: crate::guide::", stringify!($other))])*
        #[doc = "[promises.md#closing-the-portal]: crate::guide::promises#closing-the-portal"]
        #[doc = "[promises.md#ctrl-c]: crate::guide::promises#ctrl-c"]
        #[doc = "[compare.md#trusting-the-figures]: crate::guide::compare#trusting-the-figures"]
        #[cfg_attr(not(feature = "tokio"), doc = "
[`TokioBuilder`]: crate#feature-flags
[`block_in_place`]: crate#feature-flags")]
        #[cfg_attr(not(feature = "smol"), doc = "
[`smol_spawn`]: crate#feature-flags")]
        #[cfg_attr(not(feature = "tokio-compat"), doc = "
[`TokioCompat`]: crate#feature-flags
[`COMPAT_THREAD`]: crate#feature-flags
[`Backend::run_tokio_compat`]: crate#feature-flags")]
        #[cfg_attr(not(feature = "portal"), doc = "
[`BlockingPortal`]: crate#feature-flags
[`BlockingPortal::call`]: crate#feature-flags
[`BlockingPortal::close`]: crate#feature-flags
[`BlockingPortal::close_within`]: crate#feature-flags
[`CLOSE_TIMEOUT`]: crate#feature-flags
[`PortalTask`]: crate#feature-flags
[`PortalTask::join`]: crate#feature-flags")]
        #[doc = ""]
        #[doc = include_str!(concat!("../guide/", stringify!($page), ".md"))]
        pub mod $page {}
    };
}

guide! {
    tutorial,
    choosing,
    promises,
    pitfalls,
    compare,
    benchmarks,
}

/// The README's Rust examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
