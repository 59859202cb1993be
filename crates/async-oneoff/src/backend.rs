//! Picking a backend by its name at run time: the one place where oneoff dispatches on a value
//! instead of a type, used by `cargo xtask compare` and by anyone with a `--backend` flag.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::str::FromStr;
use std::time::Duration;

use crate::{Error, OneOffRunner};

/// Declares [`Backend`] and [`AnyRunner`] from the one list of backends
/// ([`for_each_backend!`](crate::for_each_backend)), so that every `match` stays exhaustive.
macro_rules! backends {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
        /// Every backend oneoff knows, enabled or not: its name and the cargo feature that
        /// enables it.
        const KNOWN: &[(&str, &str)] = &[$(($name, $feature),)*];

        /// An enabled backend, picked by value: [`Backend::ALL`] lists them in the default
        /// priority order, and [`str::parse`] finds one by the name reports use.
        ///
        /// Every backend oneoff knows, in that order, with the cargo feature that enables it
        /// and its runner type:
        ///
        /// | name | feature | runner type |
        /// |---|---|---|
        $(#[doc = concat!("| `", $name, "` | `", $feature, "` | `oneoff::", stringify!($variant), "` |")])*
        ///
        /// # Examples
        ///
        /// ```
        /// use oneoff::Backend;
        ///
        /// let backend: Backend = Backend::ALL[0].name().parse().unwrap();
        /// assert_eq!(backend.run(async { 2 + 2 }).unwrap(), 4);
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Backend {
            $($(#[$doc])* #[cfg(feature = $feature)] $variant,)*
        }

        /// A reusable runner of a backend picked at run time: one variant per enabled backend.
        ///
        /// # Examples
        ///
        /// ```
        /// for backend in oneoff::Backend::ALL {
        ///     let runner = backend.runner()?;
        ///     assert_eq!(runner.block_on(async { 1 })?, 1);
        ///     assert_eq!(runner.backend(), *backend);
        /// }
        /// # Ok::<(), oneoff::Error>(())
        /// ```
        #[derive(Debug)]
        #[non_exhaustive]
        #[allow(
            clippy::large_enum_variant,
            reason = "a runner picked at run time is kept, not moved around: boxing the large \
                      runtimes (monoio's) would add an allocation and an indirection to every call"
        )]
        pub enum AnyRunner {
            $($(#[$doc])* #[cfg(feature = $feature)] $variant($runner),)*
        }

        impl Backend {
            /// Every enabled backend, in the priority order that picks the default runner.
            pub const ALL: &'static [Backend] = &[$(#[cfg(feature = $feature)] Backend::$variant,)*];

            /// The backend's name, as used on the command line, in reports and bench ids.
            ///
            /// # Examples
            ///
            /// ```
            /// for backend in oneoff::Backend::ALL {
            ///     assert_eq!(backend.name().parse::<oneoff::Backend>().unwrap(), *backend);
            /// }
            /// ```
            pub fn name(self) -> &'static str {
                match self {
                    $(#[cfg(feature = $feature)] Backend::$variant => $name,)*
                }
            }

            /// The backend's identity: the `static` its crate declares, which a run of this
            /// backend in progress is recorded with ([`AsyncContext::Oneoff`](crate::AsyncContext::Oneoff)).
            ///
            /// # Examples
            ///
            /// ```
            /// for backend in oneoff::Backend::ALL {
            ///     assert_eq!(backend.info().name(), backend.name());
            /// }
            /// ```
            pub fn info(self) -> &'static oneoff_core::BackendInfo {
                match self {
                    $(#[cfg(feature = $feature)] Backend::$variant => <$runner>::BACKEND,)*
                }
            }

            /// The cargo feature of the `oneoff` crate that enables this backend.
            ///
            /// # Examples
            ///
            /// ```
            /// for backend in oneoff::Backend::ALL {
            ///     assert!(backend.name().starts_with(backend.feature()));
            /// }
            /// ```
            pub fn feature(self) -> &'static str {
                match self {
                    $(#[cfg(feature = $feature)] Backend::$variant => $feature,)*
                }
            }

            /// One-shot run of `future` on a fresh runtime of this backend: see
            /// [`OneOffRunner::run`].
            ///
            /// # Examples
            ///
            /// ```
            /// let backend = oneoff::Backend::ALL[0];
            /// assert_eq!(backend.run(async { 7 })?, 7);
            /// # Ok::<(), oneoff::Error>(())
            /// ```
            #[track_caller]
            pub fn run<F: IntoFuture>(self, future: F) -> Result<F::Output, Error> {
                match self {
                    $(#[cfg(feature = $feature)] Backend::$variant => <$runner>::run(future),)*
                }
            }

            /// One-shot run that gives up after `timeout`: see [`OneOffRunner::run_timeout`].
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            ///
            /// let backend = oneoff::Backend::ALL[0];
            /// let never = std::future::pending::<()>();
            /// assert!(backend.run_timeout(never, Duration::from_millis(5)).is_err());
            /// ```
            #[track_caller]
            pub fn run_timeout<F: IntoFuture>(self, future: F, timeout: Duration) -> Result<F::Output, Error> {
                match self {
                    $(#[cfg(feature = $feature)] Backend::$variant => <$runner>::run_timeout(future, timeout),)*
                }
            }

            /// One-shot run that returns a panic as [`Error::Panicked`]: see
            /// [`OneOffRunner::try_run`].
            ///
            /// # Examples
            ///
            /// ```
            /// let backend = oneoff::Backend::ALL[0];
            /// assert!(backend.try_run(async { panic!("oops") }).is_err());
            /// ```
            #[track_caller]
            pub fn try_run<F: IntoFuture>(self, future: F) -> Result<F::Output, Error> {
                match self {
                    $(#[cfg(feature = $feature)] Backend::$variant => <$runner>::try_run(future),)*
                }
            }

            /// One-shot run of `future` on this backend with tokio's context around it, so
            /// that a future needing tokio's reactor or timer runs on any backend: see
            /// [`TokioCompat`](crate::TokioCompat).
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            ///
            /// for backend in oneoff::Backend::ALL {
            ///     let slept = backend.run_tokio_compat(async {
            ///         tokio::time::sleep(Duration::from_millis(1)).await;
            ///         1
            ///     });
            ///     assert_eq!(slept?, 1);
            /// }
            /// # Ok::<(), oneoff::Error>(())
            /// ```
            #[cfg(feature = "tokio-compat")]
            #[cfg_attr(docsrs, doc(cfg(feature = "tokio-compat")))]
            #[track_caller]
            pub fn run_tokio_compat<F: IntoFuture>(self, future: F) -> Result<F::Output, Error> {
                match self {
                    $(#[cfg(feature = $feature)] Backend::$variant => crate::TokioCompat::<$runner>::run(future),)*
                }
            }

            /// Spawns `future` onto this backend's runtime running the calling code: see
            /// [`OneOffRunner::spawn`].
            ///
            /// # Examples
            ///
            /// ```
            /// let backend = oneoff::Backend::ALL[0];
            /// // Outside a run there is nothing to spawn onto.
            /// assert!(backend.spawn(async { 1 }).is_err());
            /// ```
            pub fn spawn<F>(self, future: F) -> Result<crate::Task<F::Output>, Error>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                match self {
                    $(#[cfg(feature = $feature)] Backend::$variant => <$runner>::spawn(future),)*
                }
            }

            /// Starts a reusable runner of this backend: see [`OneOffRunner::new`].
            ///
            /// # Examples
            ///
            /// ```
            /// let runner = oneoff::Backend::ALL[0].runner()?;
            /// assert_eq!(runner.block_on(async { 5 })?, 5);
            /// # Ok::<(), oneoff::Error>(())
            /// ```
            pub fn runner(self) -> Result<AnyRunner, Error> {
                Ok(match self {
                    $(#[cfg(feature = $feature)] Backend::$variant => AnyRunner::$variant(<$runner>::new()?),)*
                })
            }
        }

        #[cfg(test)]
        #[test]
        fn names_are_the_runners_own() {
            $(#[cfg(feature = $feature)] assert_eq!($name, <$runner>::NAME);)*
            $(#[cfg(feature = $feature)] assert_eq!($name, <$runner>::BACKEND.name());)*
        }

        impl AnyRunner {
            /// The backend this runner belongs to.
            pub fn backend(&self) -> Backend {
                match self {
                    $(#[cfg(feature = $feature)] AnyRunner::$variant(_) => Backend::$variant,)*
                }
            }

            /// Runs `future` on the kept runtime: see [`OneOffRunner::block_on`].
            #[track_caller]
            pub fn block_on<F: IntoFuture>(&self, future: F) -> Result<F::Output, Error> {
                match self {
                    $(#[cfg(feature = $feature)] AnyRunner::$variant(runner) => runner.block_on(future),)*
                }
            }

            /// Runs `future` on the kept runtime, giving up after `timeout`: see
            /// [`OneOffRunner::block_on_timeout`].
            #[track_caller]
            pub fn block_on_timeout<F: IntoFuture>(&self, future: F, timeout: Duration) -> Result<F::Output, Error> {
                match self {
                    $(#[cfg(feature = $feature)] AnyRunner::$variant(runner) => runner.block_on_timeout(future, timeout),)*
                }
            }

            /// Runs `future` on the kept runtime, returning a panic as [`Error::Panicked`]: see
            /// [`OneOffRunner::try_block_on`].
            #[track_caller]
            pub fn try_block_on<F: IntoFuture>(&self, future: F) -> Result<F::Output, Error> {
                match self {
                    $(#[cfg(feature = $feature)] AnyRunner::$variant(runner) => runner.try_block_on(future),)*
                }
            }
        }
    };
}

crate::for_each_backend!(backends);

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = UnknownBackend;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let wanted = name.trim().to_ascii_lowercase();
        if let Some(backend) = Backend::ALL.iter().find(|b| b.name() == wanted) {
            return Ok(*backend);
        }
        Err(UnknownBackend {
            name: name.to_owned(),
            disabled_feature: KNOWN
                .iter()
                .find(|(known, _)| *known == wanted)
                .map(|(_, feature)| *feature),
            enabled: Backend::ALL
                .iter()
                .map(|b| b.name())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

/// A backend name that names no enabled backend.
///
/// # Examples
///
/// ```
/// use oneoff::Backend;
///
/// let enabled: Vec<_> = Backend::ALL.iter().map(|b| b.name()).collect();
/// let err = "node".parse::<Backend>().unwrap_err();
/// let expected = format!("unknown backend `node`: choose one of: {}", enabled.join(", "));
/// assert_eq!(err.to_string(), expected);
///
/// // A backend oneoff knows, whose feature this build leaves off, is named with its feature.
/// if !enabled.contains(&"pollster") {
///     let err = "pollster".parse::<Backend>().unwrap_err();
///     assert!(err.to_string().starts_with(
///         "backend `pollster` is not enabled: turn on oneoff's `pollster` feature, or choose one of: "
///     ));
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownBackend {
    name: String,
    disabled_feature: Option<&'static str>,
    enabled: String,
}

impl fmt::Display for UnknownBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let UnknownBackend {
            name,
            disabled_feature,
            enabled,
        } = self;
        match disabled_feature {
            Some(feature) => write!(
                f,
                "backend `{name}` is not enabled: turn on oneoff's `{feature}` feature, or choose \
                 one of: {enabled}"
            ),
            None => write!(f, "unknown backend `{name}`: choose one of: {enabled}"),
        }
    }
}

impl std::error::Error for UnknownBackend {}

/// Spawns `future` as a task onto the runtime running the calling code, whichever backend that
/// is: the `asyncio.create_task` analogue, for library code that must not name a runtime.
///
/// Inside a oneoff run it spawns onto that run's runtime ([`OneOffRunner::spawn`]: `tokio::spawn`
/// on the tokio backends, the run's own executor on `smol`, compio and monoio, the runner's
/// `LocalPool` on `futures-executor`, async-std's global executor on `async-std`); inside a
/// foreign tokio runtime or async-std task whose backend feature is on, onto that runtime.
/// Await the returned [`Task`](crate::Task) for the output, or drop it to let the task run on.
/// Returns [`Error::Unsupported`] on a backend that cannot spawn (`futures-lite`, `pollster`, a
/// one-shot `futures-executor` run) and outside any run.
///
/// Library code that spawns through this function works on whichever backend the binary
/// picks; library code that needs one runtime names its runner type (`oneoff::Smol::run`)
/// instead of the default [`run`](crate::run), which other crates' features can move.
///
/// # Examples
///
/// ```
/// let outside = oneoff::spawn(async { 1 });
/// assert!(matches!(outside, Err(oneoff::Error::Unsupported { .. })));
///
/// // Inside a run: a task where the backend can spawn, the same error where it cannot.
/// let inside = oneoff::run(async {
///     match oneoff::spawn(async { 20 + 1 }) {
///         Ok(task) => task.await.map(|n| n * 2),
///         Err(err) => Err(err),
///     }
/// })?;
/// match inside {
///     Ok(n) => assert_eq!(n, 42),
///     Err(err) => assert!(err.to_string().contains("no executor to spawn tasks onto")),
/// }
/// # Ok::<(), oneoff::Error>(())
/// ```
pub fn spawn<F>(future: F) -> Result<crate::Task<F::Output>, Error>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // The task keeps the tokio context of the code that spawns it, as the code had it.
    #[cfg(feature = "tokio-compat")]
    let future = crate::compat::carry(future);
    match running() {
        Ok(backend) => backend.spawn(future),
        Err(reason) => Err(Error::Unsupported {
            backend: "oneoff::spawn",
            reason,
        }),
    }
}

/// The enabled backend whose runtime runs the calling code, or why there is none.
fn running() -> Result<Backend, &'static str> {
    use crate::AsyncContext;
    match crate::current_context() {
        Some(AsyncContext::Oneoff(run)) => of_run(run),
        #[cfg(feature = "tokio")]
        Some(AsyncContext::Tokio | AsyncContext::TokioMultiThread) => Ok(Backend::Tokio),
        #[cfg(all(feature = "tokio-local", not(feature = "tokio")))]
        Some(AsyncContext::Tokio | AsyncContext::TokioMultiThread) => Ok(Backend::TokioLocal),
        #[cfg(feature = "async-std")]
        Some(AsyncContext::AsyncStd) => Ok(Backend::AsyncStd),
        Some(_) => Err("the runtime running this code is not one of this build's backends; \
                        spawn with that runtime's own spawn"),
        None => Err("no oneoff run is in progress on this thread; call it from inside the \
                     future given to oneoff::run or Runner::block_on"),
    }
}

/// The enabled backend of a oneoff run, found by its identity (the same `static`). A run that
/// is none of them but blocks on a tokio runtime (`oneoff::block_in_place`) spawns onto that
/// runtime, as code in it would.
fn of_run(run: &'static oneoff_core::BackendInfo) -> Result<Backend, &'static str> {
    if let Some(backend) = Backend::ALL.iter().find(|b| std::ptr::eq(b.info(), run)) {
        return Ok(*backend);
    }
    #[cfg(feature = "tokio")]
    if run.io() == oneoff_core::NativeIo::Tokio {
        return Ok(Backend::Tokio);
    }
    Err("the oneoff run on this thread belongs to a backend this build lacks")
}
