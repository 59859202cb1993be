//! Run one async function from ordinary synchronous code, on the async runtime you pick with a
//! cargo feature: Rust's answer to Python's `asyncio.run` and `asyncio.Runner`.
//!
//! [`run`] starts a fresh runtime, runs one future to completion on the calling thread, tears
//! the runtime down and returns the future's output, like `asyncio.run(coro)`. A [`Runner`]
//! keeps one runtime for many runs, like `asyncio.Runner`. [`run_with`] takes an async function
//! and its argument. Every backend keeps the same promises: a call from inside a running async
//! context returns [`Error::Nested`] instead of panicking or deadlocking, the `_timeout` forms
//! drop the future when the time is up, and a panic in the future reaches the caller with its
//! original message. The guide in the repository says which backend to pick: `docs/tutorial.md`
//! (the one-off problem step by step), `docs/choosing.md` (every backend's measured costs and
//! the advice) and `docs/pitfalls.md` (the traps users report); `cargo xtask compare` measures
//! the backends on your machine.
//!
//! # Examples
//!
//! ```
//! async fn work(arg: u64) -> u64 {
//!     arg * 100
//! }
//!
//! // One-shot, like `asyncio.run(work(100))`:
//! assert_eq!(oneoff::run(work(100))?, 10_000);
//!
//! // An async function and its argument:
//! assert_eq!(oneoff::run_with(work, 100)?, 10_000);
//!
//! // One runtime kept for many runs, like `asyncio.Runner`:
//! use oneoff::OneOffRunner;
//! let runner = oneoff::Runner::new()?;
//! for arg in 1..=3 {
//!     assert_eq!(runner.block_on(work(arg))?, arg * 100);
//! }
//! # Ok::<(), oneoff::Error>(())
//! ```
//!
//! A backend can also be picked by name at run time:
//!
//! ```
//! use oneoff::Backend;
//!
//! for backend in Backend::ALL {
//!     assert_eq!(backend.run(async { 6 * 7 })?, 42);
//! }
//! let err = "tokyo".parse::<Backend>().unwrap_err();
//! assert!(err.to_string().starts_with("unknown backend `tokyo`"));
//! # Ok::<(), oneoff::Error>(())
//! ```
//!
//! # The two classic mistakes
//!
//! Calling an async function does not run it: it only builds a future, which does nothing
//! until it is awaited or polled. The compiler warns, and with `unused_must_use` denied it
//! refuses ("futures do nothing unless you `.await` or poll them"):
//!
//! ```compile_fail
//! #![deny(unused_must_use)]
//! async fn work(arg: u64) -> u64 {
//!     arg * 100
//! }
//!
//! fn main() {
//!     work(100); // error: unused implementer of `Future` that must be used
//! }
//! ```
//!
//! And `.await` is only allowed inside an async function or block (error E0728), which is why
//! synchronous code needs a `block_on` such as [`run`] at all:
//!
//! ```compile_fail,E0728
//! async fn work(arg: u64) -> u64 {
//!     arg * 100
//! }
//!
//! fn main() {
//!     let result = work(100).await; // error[E0728]: `await` is only allowed inside `async` functions and blocks
//! }
//! ```
//!
//! # The promise
//!
//! Every backend keeps the same promises; where a runtime makes one impossible, the call
//! returns an error that says what to do. The tables, context by context and backend by
//! backend, each cell pinned by a test, are on a page of their own: [`guide::promises`].
//!
//! # Tokio futures on any backend
//!
//! With the feature `tokio-compat`, [`TokioCompat<R>`](TokioCompat) is backend `R` with tokio's
//! context set on the calling thread around each run, like smol-rs's `async-compat`: a future
//! that needs tokio's reactor, timer or `tokio::spawn` runs on `smol`, `futures-lite`,
//! `pollster` and `async-std` too (`TokioCompat::<oneoff::Smol>::run(reqwest::get(url))`), and
//! by name with [`Backend::run_tokio_compat`]. Where the calling code has no tokio runtime
//! (outside `spawn_blocking`), the first such run starts one process-wide tokio current-thread
//! runtime on a thread of its own, [`COMPAT_THREAD`], which drives tokio's timers and I/O and
//! runs `tokio::spawn` tasks until the process exits. A call then costs about 20 ns more than
//! on `R`; on the tokio backends compatibility adds nothing. Every promise above holds in
//! `TokioCompat` too (the conformance suite runs on every backend wrapped in it): inside a
//! tokio runtime's async code a call is still [`Error::Nested`].
//!
//! # Calling from any thread: the portal
//!
//! With the feature `portal`, a [`BlockingPortal<R>`](BlockingPortal) keeps a runner of `R` on
//! a thread of its own and lets any number of threads call into it, like anyio's
//! `BlockingPortal` or the runtime thread behind `reqwest::blocking`: the way to give a
//! library's async internals a synchronous API that any thread may call, including threads
//! that some other runtime owns. [`run`] starts a runtime on the calling thread for each call;
//! a portal keeps one runtime (and its connections, caches and tasks) for every caller, at
//! the cost of two thread wake-ups a round trip (6 to 50 µs on the 2-core machine of
//! `docs/choosing.md`, depending on whether the other core is awake). Where its blocking calls
//! may wait is in [`guide::promises`](crate::guide::promises#the-portals-blocking-calls).
//!
//! A panic in a call's future unwinds out of `call` with its payload (`try_call` and
//! [`PortalTask`] give [`Error::Panicked`]) and the portal stays usable; a timeout cancels
//! the call; closing the portal (or dropping its last handle) cancels every call left and
//! joins its thread within [`CLOSE_TIMEOUT`]; a call after that, or after the portal's thread
//! died, gets [`Error::Closed`]. Every backend hosts a portal: the portal polls its calls on
//! its own executor inside `R`'s run, so calls wait concurrently even on `futures-lite` and
//! `pollster`, which drive one future at a time; `R` decides which reactor the calls may use.
//! `tests/portal.rs` runs the promise suite on every backend, plain and in [`TokioCompat`].
//!
//! # Which backend runs
//!
//! | feature        | type                                       | threads started           | can run tokio I/O |
//! |----------------|--------------------------------------------|---------------------------|-------------------|
//! | `tokio`        | `Tokio` (current-thread), `TokioMultiThread` | none / one per core     | yes               |
//! | `smol`         | `Smol`                                     | `async-io`'s driver, once | in `TokioCompat`  |
//! | `futures-lite` | `FuturesLite` (default feature)            | none                      | in `TokioCompat`  |
//! | `pollster`     | `Pollster`                                 | none                      | in `TokioCompat`  |
//! | `tokio-local`  | `TokioLocal` (tokio's `LocalRuntime`)      | none                      | yes               |
//! | `futures-executor` | `FuturesExecutor` (`block_on`, `LocalPool`) | none                  | in `TokioCompat`  |
//! | `compio`       | `Compio` (io_uring, or `polling`)          | none                      | in `TokioCompat`  |
//! | `monoio`       | `Monoio` (io_uring, or epoll)              | none                      | in `TokioCompat`  |
//! | `async-std`    | `AsyncStd` (discontinued upstream)         | global executor, kept     | in `TokioCompat`  |
//!
//! `TokioCompat` (feature `tokio-compat`) starts one more thread per process, the first time a
//! run needs it; a [`BlockingPortal`] (feature `portal`) starts one thread per portal, joined
//! when it closes.
//!
//! When several backend features are on, [`Runner`] (and so [`run`]) is the first enabled in
//! this priority: `tokio` (current-thread), `smol`, `futures-lite`, `pollster`, `tokio-local`,
//! `futures-executor`, `compio`, `monoio`, `async-std`. The runners that stay on their thread
//! come after every one that does not, so turning one of them on moves [`Runner`] only where no
//! other backend but `async-std` was on.
//! Every enabled backend stays reachable by its own type and through [`Backend`]. With no
//! backend feature the crate refuses to compile and names the features to choose from.
//!
//! A library should not depend on which backend is the default: any crate in the build can
//! turn on another backend's feature and move [`Runner`]. A library names a runner type
//! (`oneoff::Smol::run`, with the feature it needs) or spawns through the backend-neutral
//! [`spawn`]; [`run`] and [`Runner`] are for binaries.
//!
//! ## Feature flags
//!
//! - `tokio`, `smol`, `futures-lite` (default), `pollster`, `tokio-local`, `futures-executor`,
//!   `compio`, `monoio`, `async-std`: the backends above. They add up: any mix builds.
//! - `ctrl-c`: [`Options::ctrl_c`](oneoff_core::Options), Ctrl-C handling for a run (Unix;
//!   adds `signal-hook`).
//! - `tokio-compat`: [`TokioCompat`] and [`Backend::run_tokio_compat`], tokio futures on every
//!   backend. Needs tokio's `rt` only; turns on `detect-tokio`.
//! - `portal`: [`BlockingPortal`] and [`PortalTask`] (adds `async-executor`; with
//!   `detect-tokio` it turns on tokio's `rt-multi-thread` for `block_in_place`).
//! - `detect-tokio` (default), `detect-async-std`, `detect-futures-executor`: recognise that
//!   foreign runtime on the calling thread in every backend, so a nested call returns
//!   [`Error::Nested`]. `tokio`, `tokio-local`, `async-std` and `futures-executor` turn on their
//!   own detection. `detect-tokio`
//!   needs only tokio's minimal `rt` feature; turn the defaults off only if no tokio runtime
//!   can ever run the calling code.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use oneoff_core::{
    AsyncContext, BackendInfo, Configured, DEBUG_ENV, DEFAULT_SLOW_POLL, Error, Escape, NativeIo,
    OneOffRunner, PanicPayload, Task, current_context, panic_message,
};

#[cfg(feature = "async-std")]
#[cfg_attr(docsrs, doc(cfg(feature = "async-std")))]
pub use oneoff_async_std::AsyncStd;
#[cfg(feature = "compio")]
#[cfg_attr(docsrs, doc(cfg(feature = "compio")))]
pub use oneoff_compio::Compio;
#[cfg(feature = "futures-executor")]
#[cfg_attr(docsrs, doc(cfg(feature = "futures-executor")))]
pub use oneoff_futures_executor::FuturesExecutor;
#[cfg(feature = "futures-lite")]
#[cfg_attr(docsrs, doc(cfg(feature = "futures-lite")))]
pub use oneoff_futures_lite::FuturesLite;
#[cfg(feature = "monoio")]
#[cfg_attr(docsrs, doc(cfg(feature = "monoio")))]
pub use oneoff_monoio::Monoio;
#[cfg(feature = "pollster")]
#[cfg_attr(docsrs, doc(cfg(feature = "pollster")))]
pub use oneoff_pollster::Pollster;
#[cfg(feature = "smol")]
#[cfg_attr(docsrs, doc(cfg(feature = "smol")))]
pub use oneoff_smol::{Smol, spawn as smol_spawn};
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use oneoff_tokio::{
    DEFAULT_SHUTDOWN_TIMEOUT, Tokio, TokioBuilder, TokioMultiThread, block_in_place,
};
#[cfg(feature = "tokio-local")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio-local")))]
pub use oneoff_tokio_local::TokioLocal;

mod list;

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
            " for example `oneoff = { version = \"0.1\", features = [\"smol\"] }`"
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
        pub use crate::{
            backend::{AnyRunner, Backend, UnknownBackend, spawn},
            default::{Options, Runner, run, run_timeout, run_with, try_run},
        };
    };
}

for_each_backend!(backend_gate);

/// The guide, the pages of `docs/` in the repository, rendered here so that they read on docs.rs
/// and their examples run as doctests.
pub mod guide {
    #[doc = include_str!("../guide/promises.md")]
    pub mod promises {}
}

/// The README's Rust examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

/// The tutorial's Rust blocks (`docs/tutorial.md`), compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/tutorial.md")]
struct TutorialDoctests;
