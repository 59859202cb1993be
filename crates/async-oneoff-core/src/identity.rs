//! What oneoff knows about a backend, as one `'static` value per backend: its name, where code
//! that must block can go instead, and the I/O its runtime drives. The record of a run in
//! progress ([`AsyncContext::Oneoff`](crate::AsyncContext::Oneoff)) holds it, so that nothing
//! has to find a backend again from its name.

use std::fmt;

/// A backend's identity, declared once as a `static` in its crate and named by
/// [`OneOffRunner::BACKEND`](crate::OneOffRunner::BACKEND).
///
/// Two runs are of the same backend when their `BackendInfo`s are the same `static`: compare
/// with [`std::ptr::eq`] to find a backend in a list, as the `oneoff` facade's `spawn` does.
///
/// # Examples
///
/// ```
/// use oneoff_core::{BackendInfo, Escape, NativeIo};
///
/// static SPIN: BackendInfo = BackendInfo::new("spin", Escape::Await, NativeIo::None);
///
/// assert_eq!(SPIN.name(), "spin");
/// assert_eq!(SPIN.to_string(), "spin");
/// assert_eq!(SPIN.io(), NativeIo::None);
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct BackendInfo {
    name: &'static str,
    escape: Escape,
    io: NativeIo,
}

impl BackendInfo {
    /// The identity of the backend named `name` (as used on the command line, in reports and
    /// in error messages), whose nested-call message offers `escape`, and whose runtime drives
    /// `io`.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff_core::{BackendInfo, Escape, NativeIo};
    ///
    /// static TOKIO_LIKE: BackendInfo =
    ///     BackendInfo::new("tokio-like", Escape::SpawnBlocking, NativeIo::Tokio);
    /// assert_eq!(TOKIO_LIKE.escape(), Escape::SpawnBlocking);
    /// ```
    pub const fn new(name: &'static str, escape: Escape, io: NativeIo) -> Self {
        BackendInfo { name, escape, io }
    }

    /// The backend's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff_core::{BackendInfo, Escape, NativeIo};
    ///
    /// static SPIN: BackendInfo = BackendInfo::new("spin", Escape::Await, NativeIo::None);
    /// assert_eq!(SPIN.name(), "spin");
    /// ```
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Where synchronous code inside a run of this backend can block instead, named in the
    /// message of a nested call.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff_core::{BackendInfo, Escape, NativeIo};
    ///
    /// static SPIN: BackendInfo = BackendInfo::new("spin", Escape::Await, NativeIo::None);
    /// assert_eq!(SPIN.escape(), Escape::Await);
    /// ```
    pub const fn escape(&self) -> Escape {
        self.escape
    }

    /// The sockets and timers the backend's own runtime drives.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff_core::{BackendInfo, Escape, NativeIo};
    ///
    /// static SMOL_LIKE: BackendInfo = BackendInfo::new("smol-like", Escape::Await, NativeIo::AsyncIo);
    /// assert_eq!(SMOL_LIKE.io(), NativeIo::AsyncIo);
    /// ```
    pub const fn io(&self) -> NativeIo {
        self.io
    }
}

impl fmt::Display for BackendInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Where synchronous code that must block, but runs inside async code, can go instead of
/// awaiting: named at the end of an [`Error::Nested`](crate::Error::Nested) message.
///
/// # Examples
///
/// ```
/// use oneoff_core::Escape;
///
/// assert!(Escape::BlockInPlace.hint().contains("oneoff::block_in_place"));
/// assert_eq!(Escape::Await.hint(), "");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Escape {
    /// Nowhere: the future must be awaited.
    Await,
    /// A tokio runtime's `spawn_blocking`, whose closures may block.
    SpawnBlocking,
    /// `oneoff::block_in_place` (a tokio multi-thread runtime hands the worker's other tasks to
    /// another thread), or `spawn_blocking`.
    BlockInPlace,
}

impl Escape {
    /// The words appended to the nested-call message, starting with `", or"`; empty for
    /// [`Escape::Await`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(oneoff_core::Escape::SpawnBlocking.hint().starts_with(", or"));
    /// ```
    pub const fn hint(self) -> &'static str {
        match self {
            Escape::Await => "",
            Escape::SpawnBlocking => {
                ", or, if this synchronous code must block, move it into \
                 tokio::task::spawn_blocking, where oneoff runs futures"
            }
            Escape::BlockInPlace => {
                ", or, if this synchronous code must block, call oneoff::block_in_place or move \
                 it into tokio::task::spawn_blocking, where oneoff runs futures"
            }
        }
    }
}

/// The sockets and timers a backend's own runtime drives: the I/O types that work under that
/// backend without anything else running (`async-io`'s work under every backend, since its
/// driver has a thread of its own).
///
/// # Examples
///
/// ```
/// use oneoff_core::NativeIo;
///
/// assert_ne!(NativeIo::Tokio, NativeIo::None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NativeIo {
    /// None: the backend polls the future and parks the thread.
    None,
    /// tokio's reactor and timer (`tokio::net`, `tokio::time`).
    Tokio,
    /// `async-io`'s (smol's `Async`, `Timer`).
    AsyncIo,
    /// async-std's (`async_std::net`, on `async-io`).
    AsyncStd,
    /// compio's (`compio::net`), only under compio.
    Compio,
    /// monoio's (`monoio::net`), only under monoio.
    Monoio,
}
