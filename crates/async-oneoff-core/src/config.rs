//! The settings of a run besides its future, and where their defaults come from: the one piece
//! that both the provided methods and [`Options`](crate::Options) read.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

/// The environment variable that turns debug mode on for every run of the process, like
/// Python's `PYTHONASYNCIODEBUG`: any value but empty or `0`. It is read once, at the first run.
pub const DEBUG_ENV: &str = "ONEOFF_DEBUG";

/// How long one poll may take before debug mode warns, as asyncio's `slow_callback_duration`.
pub const DEFAULT_SLOW_POLL: Duration = Duration::from_millis(100);

/// The settings of a run besides the future: plain data, shared by [`Options`](crate::Options) and
/// [`Configured`](crate::Configured).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Config {
    /// Whether the first Ctrl-C (SIGINT) cancels the run.
    pub(crate) ctrl_c: bool,
    /// Debug mode: warn when one poll of the future takes longer than this.
    pub(crate) slow_poll: Option<Duration>,
}

impl Config {
    /// The settings every run has unless told otherwise: debug mode when [`DEBUG_ENV`] says so.
    pub(crate) fn from_env() -> &'static Config {
        static FROM_ENV: OnceLock<Config> = OnceLock::new();
        FROM_ENV.get_or_init(|| Config {
            ctrl_c: false,
            slow_poll: std::env::var_os(DEBUG_ENV)
                .is_some_and(|value| !value.is_empty() && value != "0")
                .then_some(DEFAULT_SLOW_POLL),
        })
    }

    /// Whether a run with the settings from the environment needs nothing but the backend:
    /// [`from_env`](Self::from_env)`().is_plain()`, read from one byte after the first call,
    /// as it sits on the path of every call.
    #[inline]
    pub(crate) fn env_is_plain() -> bool {
        const UNKNOWN: u8 = 0;
        const PLAIN: u8 = 1;
        const NOT_PLAIN: u8 = 2;
        static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);
        match STATE.load(Ordering::Relaxed) {
            PLAIN => true,
            NOT_PLAIN => false,
            _ => {
                let plain = Config::from_env().is_plain();
                STATE.store(if plain { PLAIN } else { NOT_PLAIN }, Ordering::Relaxed);
                plain
            }
        }
    }

    /// Whether the run needs nothing but the backend.
    #[inline]
    pub(crate) fn is_plain(&self) -> bool {
        !self.ctrl_c && self.slow_poll.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::{Config, DEBUG_ENV};

    #[test]
    fn env_is_plain_agrees_with_the_config_it_caches() {
        let expected = Config::from_env().is_plain();
        // The first call works it out, the later ones read the cached byte.
        assert_eq!(Config::env_is_plain(), expected);
        assert_eq!(Config::env_is_plain(), expected);
        let debug =
            std::env::var_os(DEBUG_ENV).is_some_and(|value| !value.is_empty() && value != "0");
        assert_eq!(
            expected, !debug,
            "a run is plain exactly when {DEBUG_ENV} is off"
        );
    }
}
