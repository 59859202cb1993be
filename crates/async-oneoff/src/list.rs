//! The one list of oneoff's backends. Everything that enumerates backends reads it: the
//! facade's [`Backend`](crate::Backend), [`AnyRunner`](crate::AnyRunner) and default
//! [`Runner`](crate::Runner), the conformance suite, and (through `Backend::ALL`) `cargo xtask
//! compare`, `footprint` and the benches. A new backend is its crate, one line here, its
//! feature in `Cargo.toml` and its re-export in `lib.rs`.

/// Calls `$callback! { .. }` with every backend oneoff knows, in the priority order that picks
/// the default runner, one entry each:
///
/// ```text
/// /// doc
/// "name" (feature "cargo-feature") Variant => $crate::Variant,
/// ```
///
/// The runner type of an entry exists only when its feature is on, so a callback puts
/// `#[cfg(feature = "cargo-feature")]` on whatever names it. Within one feature, the first
/// entry is that feature's default runner (`tokio` before `tokio-mt`).
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
    (@call [$($callback:tt)*] [$($args:tt)*]) => {
        $($callback)*! {
            $($args)*
            /// tokio's current-thread runtime.
            "tokio" (feature "tokio") Tokio => $crate::Tokio,
            /// tokio's multi-thread runtime.
            "tokio-mt" (feature "tokio") TokioMultiThread => $crate::TokioMultiThread,
            /// smol's executor and reactor.
            "smol" (feature "smol") Smol => $crate::Smol,
            /// futures-lite's `block_on`.
            "futures-lite" (feature "futures-lite") FuturesLite => $crate::FuturesLite,
            /// pollster's `block_on`.
            "pollster" (feature "pollster") Pollster => $crate::Pollster,
            /// tokio's `LocalRuntime`.
            "tokio-local" (feature "tokio-local") TokioLocal => $crate::TokioLocal,
            /// `futures::executor::block_on` and a kept `LocalPool`.
            "futures-executor" (feature "futures-executor") FuturesExecutor => $crate::FuturesExecutor,
            /// compio's runtime (io_uring).
            "compio" (feature "compio") Compio => $crate::Compio,
            /// monoio's runtime (io_uring, or its legacy driver).
            "monoio" (feature "monoio") Monoio => $crate::Monoio,
            /// async-std's global runtime (discontinued upstream).
            "async-std" (feature "async-std") AsyncStd => $crate::AsyncStd,
        }
    };
}
