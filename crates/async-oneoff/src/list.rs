//! The one list of oneoff's backends. Everything that enumerates backends reads it: the
//! facade's runner re-exports, [`Backend`](crate::Backend), [`AnyRunner`](crate::AnyRunner) and
//! default [`Runner`](crate::Runner), the conformance suite, and (through `Backend::ALL`) `cargo
//! xtask compare`, `footprint` and the benches. A new backend is its crate, one line here and
//! its feature in `Cargo.toml` (the dependency, the feature, its place in `all-backends`).

/// Calls `$callback! { .. }` with every backend oneoff knows, in the priority order that picks
/// the default runner, one entry each:
///
/// ```text
/// /// doc
/// "name" (feature "cargo-feature") Runner => $crate::Runner,
/// ```
///
/// `Runner` is the backend's runner type, re-exported at the facade's root under its own name,
/// which is also its variant's name in [`Backend`](crate::Backend). The runner type of an entry
/// exists only when its feature is on, so a callback puts `#[cfg(feature = "cargo-feature")]` on
/// whatever names it. Within one feature, the first entry is that feature's default runner (`tokio`
/// before `tokio-mt`).
///
/// # Examples
///
/// ```
/// macro_rules! count {
///     ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
///         [$($name),*].len()
///     };
/// }
/// assert!(oneoff::for_each_backend!(count) >= oneoff::Backend::ALL.len());
/// ```
///
/// `for_each_backend! { @with [path::to::callback] args.. }` calls the callback by its path,
/// with `(args..)` before the entries: how a macro of another crate (the expansion of
/// `#[oneoff::test_each_backend]`) reads the list.
#[doc(hidden)]
#[macro_export]
macro_rules! for_each_backend {
    ($callback:ident) => {
        $crate::for_each_backend! { @call [$callback] [] }
    };
    (@with [$($callback:tt)*] $($args:tt)*) => {
        $crate::for_each_backend! { @call [$($callback)*] [($($args)*)] }
    };
    (@call $callback:tt $args:tt) => {
        $crate::for_each_backend! { @crates [$crate::for_each_backend] [@public $callback $args] }
    };
    // Each runner as the facade re-exports it, `$crate::Runner`: what every callback sees, so
    // that a crate that reads the list needs no backend crate of its own.
    (@public [$($callback:tt)*] [$($args:tt)*]
        $($(#[$($doc:tt)*])* $name:literal (feature $feature:literal) $krate:ident::$runner:ident,)*) => {
        $($callback)*! {
            $($args)*
            $($(#[$($doc)*])* $name (feature $feature) $runner => $crate::$runner,)*
        }
    };
    // The list itself, each runner by its path in its backend crate, which only the facade
    // can name: its re-exports (`lib.rs`) read this form, everything else the one above.
    (@crates [$($callback:tt)*] [$($args:tt)*]) => {
        $($callback)*! {
            $($args)*
            /// tokio's current-thread runtime.
            "tokio" (feature "tokio") oneoff_tokio::Tokio,
            /// tokio's multi-thread runtime.
            "tokio-mt" (feature "tokio") oneoff_tokio::TokioMultiThread,
            /// smol's executor and reactor.
            "smol" (feature "smol") oneoff_smol::Smol,
            /// futures-lite's `block_on`.
            "futures-lite" (feature "futures-lite") oneoff_futures_lite::FuturesLite,
            /// pollster's `block_on`.
            "pollster" (feature "pollster") oneoff_pollster::Pollster,
            /// tokio's `LocalRuntime`.
            "tokio-local" (feature "tokio-local") oneoff_tokio_local::TokioLocal,
            /// `futures::executor::block_on` and a kept `LocalPool`.
            "futures-executor" (feature "futures-executor") oneoff_futures_executor::FuturesExecutor,
            /// compio's runtime (io_uring).
            "compio" (feature "compio") oneoff_compio::Compio,
            /// monoio's runtime (io_uring, or its legacy driver).
            "monoio" (feature "monoio") oneoff_monoio::Monoio,
            /// async-std's global runtime (discontinued upstream).
            "async-std" (feature "async-std") oneoff_async_std::AsyncStd,
        }
    };
}
