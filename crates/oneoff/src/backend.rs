//! Picking a backend by its name at run time: the one place where oneoff dispatches on a value
//! instead of a type, used by `cargo xtask compare` and by anyone with a `--backend` flag.

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use crate::{Error, OneOffRunner};

/// Declares [`Backend`] and [`AnyRunner`] from one list, so that a backend is added in one
/// line and every `match` stays exhaustive.
macro_rules! backends {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
        /// Every backend oneoff knows, enabled or not: its name and the cargo feature that
        /// enables it.
        const KNOWN: &[(&str, &str)] = &[$(($name, $feature),)*];

        /// An enabled backend, picked by value: [`Backend::ALL`] lists them in the default
        /// priority order, and [`str::parse`] finds one by the name reports use.
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
            /// assert!(oneoff::Backend::ALL.iter().any(|b| b.name() == "futures-lite"));
            /// ```
            pub fn name(self) -> &'static str {
                match self {
                    $(#[cfg(feature = $feature)] Backend::$variant => $name,)*
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
            pub fn run<F: Future>(self, future: F) -> Result<F::Output, Error> {
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
            pub fn run_timeout<F: Future>(self, future: F, timeout: Duration) -> Result<F::Output, Error> {
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
            pub fn try_run<F: Future>(self, future: F) -> Result<F::Output, Error> {
                match self {
                    $(#[cfg(feature = $feature)] Backend::$variant => <$runner>::try_run(future),)*
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
        }

        impl AnyRunner {
            /// The backend this runner belongs to.
            pub fn backend(&self) -> Backend {
                match self {
                    $(#[cfg(feature = $feature)] AnyRunner::$variant(_) => Backend::$variant,)*
                }
            }

            /// Runs `future` on the kept runtime: see [`OneOffRunner::block_on`].
            pub fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
                match self {
                    $(#[cfg(feature = $feature)] AnyRunner::$variant(runner) => runner.block_on(future),)*
                }
            }

            /// Runs `future` on the kept runtime, giving up after `timeout`: see
            /// [`OneOffRunner::block_on_timeout`].
            pub fn block_on_timeout<F: Future>(&self, future: F, timeout: Duration) -> Result<F::Output, Error> {
                match self {
                    $(#[cfg(feature = $feature)] AnyRunner::$variant(runner) => runner.block_on_timeout(future, timeout),)*
                }
            }

            /// Runs `future` on the kept runtime, returning a panic as [`Error::Panicked`]: see
            /// [`OneOffRunner::try_block_on`].
            pub fn try_block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
                match self {
                    $(#[cfg(feature = $feature)] AnyRunner::$variant(runner) => runner.try_block_on(future),)*
                }
            }
        }
    };
}

backends! {
    /// tokio's current-thread runtime.
    "tokio" (feature "tokio") Tokio => crate::Tokio,
    /// tokio's multi-thread runtime.
    "tokio-mt" (feature "tokio") TokioMultiThread => crate::TokioMultiThread,
    /// smol's executor and reactor.
    "smol" (feature "smol") Smol => crate::Smol,
    /// futures-lite's `block_on`.
    "futures-lite" (feature "futures-lite") FuturesLite => crate::FuturesLite,
    /// pollster's `block_on`.
    "pollster" (feature "pollster") Pollster => crate::Pollster,
    /// async-std's global runtime (discontinued upstream).
    "async-std" (feature "async-std") AsyncStd => crate::AsyncStd,
}

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
/// let err = "node".parse::<oneoff::Backend>().unwrap_err();
/// assert!(err.to_string().contains("choose one of"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}",
    match disabled_feature {
        Some(feature) => format!(
            "backend `{name}` is not enabled: turn on oneoff's `{feature}` feature, or choose one of: {enabled}"
        ),
        None => format!("unknown backend `{name}`: choose one of: {enabled}"),
    }
)]
pub struct UnknownBackend {
    name: String,
    disabled_feature: Option<&'static str>,
    enabled: String,
}
