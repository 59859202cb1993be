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
//! # The promise, backend by backend
//!
//! | guarantee | `tokio` | `tokio-mt` | `smol` | `futures-lite` | `pollster` | `async-std` |
//! |---|---|---|---|---|---|---|
//! | nested call returns [`Error::Nested`] (contexts below) | yes | yes | yes | yes | yes | yes |
//! | `_timeout` drops the future, also a future that never goes idle | yes | yes | yes | yes (parker deadline) | yes (`futures-timer` thread) | yes |
//! | panic reaches the caller with its payload, runner stays usable | yes | yes | yes | yes | yes | yes |
//! | [`spawn`] (the `asyncio.create_task` analogue) | `tokio::spawn` | `tokio::spawn` | the run's executor | `Unsupported` | `Unsupported` | global executor |
//! | leftover tasks cancelled when a one-shot run returns | yes | yes | tasks from [`spawn`] and [`smol_spawn`]; not `smol::spawn`'s | cannot spawn | cannot spawn | **no**: global executor |
//! | panic in a spawned task | [`Error::Panicked`] from its [`Task`] | same | same | cannot spawn | cannot spawn | same |
//! | one runner shared by several threads (`Sync`) | yes | yes | yes | **no**: one thread at a time (`Send`) | yes | yes |
//! | threads left after a one-shot run | none | none (workers joined) | `async-io`'s driver, started once per process | none | none; `futures-timer`'s thread once a timeout was used | global executor and `async-io`'s driver, kept |
//! | futures that need tokio (`tokio::time`, `tokio::net`, reqwest, ...) | run | run | panic "no reactor running"; run in [`TokioCompat`] | same | same | same |
//! | the same promises in [`TokioCompat`] (feature `tokio-compat`) | yes, and it adds nothing | yes, adds nothing | yes | yes | yes | yes |
//! | hosts a [`BlockingPortal`] (feature `portal`), its calls waiting concurrently | yes | yes (calls polled on the portal's thread; `tokio::spawn` on the workers) | yes | yes | yes | yes |
//!
//! The same for the backends that keep their runtime on the calling thread:
//!
//! | guarantee | `tokio-local` | `futures-executor` | `compio` | `monoio` |
//! |---|---|---|---|---|
//! | nested call returns [`Error::Nested`] (contexts below) | yes | yes | yes | yes |
//! | `_timeout` drops the future, also a future that never goes idle | yes | yes (`futures-timer` thread) | yes | yes |
//! | panic reaches the caller with its payload, runner stays usable | yes | yes | yes; compio also drops the tasks still queued on the runner | yes |
//! | [`spawn`] | `tokio::spawn` | the runner's `LocalPool`; **`Unsupported` in a one-shot run** (`futures::executor::block_on` has no executor) | the run's runtime | the run's runtime |
//! | leftover tasks cancelled when a one-shot run returns | yes | cannot spawn there; a runner drops its pool's tasks | yes | **no**: a task left waiting is never dropped (monoio keeps no list of its tasks) |
//! | panic in a spawned task | [`Error::Panicked`] from its [`Task`] | same | same | same (a `monoio::spawn` task's panic unwinds through the run instead) |
//! | one runner shared by several threads | **no**: the runner stays on the thread that made it (neither `Send` nor `Sync`); each thread makes its own | same | same | same |
//! | threads left after a one-shot run | none | none; `futures-timer`'s thread once a timeout was used | none | none |
//! | the runtime's own sockets and timers | tokio's (`tokio::net`, `tokio::time`) | none | compio's, only under compio | monoio's, only under monoio |
//! | futures that need tokio | run | panic "no reactor running"; run in [`TokioCompat`] | same | same |
//! | the same promises in [`TokioCompat`] | yes, and it adds nothing | yes | yes | yes |
//! | hosts a [`BlockingPortal`] (the runner is made on the portal's thread) | yes | yes | yes | yes |
//!
//! Because those four runners stay on their thread, an [`AnyRunner`] (and [`Runner`], when one
//! of them is the default) is `Send` and `Sync` only in builds without them.
//!
//! What a run does besides running the future, as `asyncio.Runner` does:
//!
//! | option | backends | how |
//! |---|---|---|
//! | Ctrl-C: the first SIGINT cancels the run ([`Error::Interrupted`]), a second ends the process | every backend, Unix (feature `ctrl-c`); [`Error::Unsupported`] elsewhere | [`Options::ctrl_c`](oneoff_core::Options) |
//! | debug mode: a poll longer than 100 ms is reported through `log` | every backend | [`Options::debug`](oneoff_core::Options), `ONEOFF_DEBUG=1` |
//! | bounded teardown, what is left reported through `log` | `tokio`, `tokio-mt` (1 s by default, the builder's `shutdown_timeout`); the others have nothing to wait for (leftover tasks are dropped at once, or live on a global executor) | automatic |
//! | builder with the runtime's own options | `tokio`, `tokio-mt`: `Tokio::builder()` (worker threads, thread names, drivers, thread hooks) | [`TokioBuilder`] (feature `tokio`) |
//! | adopt a runtime the program has | `tokio`, `tokio-mt`: `from_runtime`, `from_handle`; `smol`: `Smol::with_executor` | per backend type |
//! | the trait's methods without importing it | every backend type | inherent methods |
//!
//! Where a call is made decides whether it may block. Every backend behaves the same here,
//! because the check runs before the backend is touched:
//!
//! | the calling code runs in | every backend |
//! |---|---|
//! | plain synchronous code, or code under tokio's `Runtime::enter` | runs the future |
//! | a oneoff run, any backend | [`Error::Nested`] |
//! | a tokio current-thread runtime's `block_on` or task | [`Error::Nested`] (feature `detect-tokio`, on by default and with `tokio`) |
//! | a tokio multi-thread runtime's `block_on` or task | [`Error::Nested`], naming [`block_in_place`] (feature `detect-tokio`) |
//! | a tokio `spawn_blocking` closure, either flavour, or `tokio::task::block_in_place` | runs the future (on a fresh runtime; a tokio future still reaches the outer runtime's reactor) |
//! | an async-std task or `async_std::task::block_on` | [`Error::Nested`] with `detect-async-std` (on with `async-std`); without it, runs the future, blocking that thread |
//! | `futures::executor::block_on` or a `futures` executor | [`Error::Nested`] with `detect-futures-executor`; without it, runs the future, blocking that thread |
//! | a task on smol's global executor (`smol::spawn`) | runs the future, blocking an executor thread: smol offers no way to recognise it, and a wait there on another `smol::spawn` task deadlocks (see below) |
//!
//! The exceptions, each pinned down by a test in `crates/async-oneoff/tests/` (`conformance.rs` runs
//! every row above on every backend, in every feature configuration CI builds):
//!
//! - **Without `detect-tokio`** (`default-features = false` and no `tokio` feature), a tokio
//!   runtime is not recognised: in a current-thread runtime's async code the call blocks the
//!   runtime's only thread, and a future that needs that runtime's timer or I/O never
//!   completes (only a `_timeout` form returns); in a multi-thread task it blocks a worker.
//! - **Inside `tokio::task::coop::unconstrained`**, tokio runs the code without the
//!   cooperative budget by which oneoff tells its async threads from its blocking ones, so the
//!   code counts as blocking: `tokio` and `tokio-mt` then panic with tokio's "Cannot start a
//!   runtime from within a runtime", and the other backends block the thread.
//! - **smol's global executor** runs `smol::spawn` tasks on one thread by default
//!   (`SMOL_THREADS`): a oneoff call there that waits on another `smol::spawn` task waits for
//!   the thread it blocks, for ever (a `_timeout` form returns `Timeout`). Spawn with
//!   [`spawn`] on `oneoff::Smol` instead, or `.await` the task.
//! - Tasks spawned onto global executors (`smol::spawn`, `async_std::task::spawn`) keep running
//!   after a one-shot run returns, as they would without oneoff; so do tasks on a reused
//!   runner after a `_timeout` call gives up, until the runner is dropped. On `monoio` a task
//!   left waiting is never dropped at all (`monoio_leaks_leftover_tasks_that_wait` in
//!   `tests/leftover.rs`).
//! - `tokio-local`, `futures-executor`, `compio` and `monoio` runners stay on the thread that
//!   made them (a `compile_fail` example on each type pins it); the conformance suite runs them
//!   one runner per thread (`shared_by_threads`). `futures-executor` spawns only inside a
//!   runner's `block_on` (`spawn_onto_the_run`, `futures_executor_runner_cancels_leftover_tasks`).
//! - A runtime's own sockets work only under that runtime: tokio's under `tokio`, `tokio-mt`
//!   and `tokio-local`, compio's under `compio`, monoio's under `monoio`; elsewhere they panic
//!   (tokio's "there is no reactor running", compio's "not in a compio runtime"), which the
//!   `try_` forms return as [`Error::Panicked`]. `async-io`'s sockets (and so smol's and
//!   async-std's) run under every backend (`every_stack` in `crates/oneoff-workloads/tests/fetch.rs`).
//! - A panic in a spawned task that nobody awaits is reported by the process's panic hook, as
//!   every panic is; it is not re-raised in the caller.
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
//! may wait:
//!
//! | the calling code runs in | [`BlockingPortal::call`], [`PortalTask::join`] |
//! |---|---|
//! | plain synchronous code, any thread; a tokio `spawn_blocking` closure | waits for the output |
//! | a tokio multi-thread runtime's task (`detect-tokio`) | waits inside `tokio::task::block_in_place` |
//! | the portal's own thread, or any oneoff run | [`Error::Nested`] |
//! | a tokio current-thread runtime's async code (`detect-tokio`) | [`Error::Nested`]: it would stall that runtime |
//! | async code anywhere | `portal.spawn(future)?.await` never blocks |
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
    AsyncContext, Configured, DEBUG_ENV, DEFAULT_SLOW_POLL, Error, OneOffRunner, PanicPayload,
    Task, current_context, panic_message,
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

/// The README's Rust examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

/// The tutorial's Rust blocks (`docs/tutorial.md`), compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/tutorial.md")]
struct TutorialDoctests;
