//! Ctrl-C for a run that asks for it, as `asyncio.Runner.run` does since Python 3.11: the first
//! SIGINT cancels the run, a second one while its future is being dropped ends the process as
//! the default handler would, and afterwards SIGINT does what it did before.
//!
//! Built on `signal-hook`, the crate under tokio's and smol's signal handling: its registry
//! lets several actions share SIGINT and chains a handler that was installed before it, and
//! its `flag` module has the documented double-Ctrl-C recipe (an action that emulates the
//! default handler when a flag is set, registered before an action that sets the flag).
//! `ctrlc` installs one handler for the life of the process and cannot be removed, and
//! `async-signal` needs a reactor; neither fits a per-run handler on every backend.
//!
//! The registry never puts the operating system's default disposition back, so when SIGINT had
//! it before the first run (read from `/proc/self/status` on Linux; assumed elsewhere), one
//! action that emulates the default handler stays registered for the life of the process,
//! armed whenever no run handles Ctrl-C. A process that ignored SIGINT, or had a handler of its
//! own, keeps that: oneoff then adds nothing but the run's own action, as asyncio only takes
//! over SIGINT from its default handler.

#[cfg(all(unix, feature = "ctrl-c"))]
pub(crate) use unix::Guard;

#[cfg(not(all(unix, feature = "ctrl-c")))]
pub(crate) use unsupported::Guard;

#[cfg(all(unix, feature = "ctrl-c"))]
mod unix {
    use std::io::{self, Read, Write};
    use std::os::unix::net::UnixStream;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
    use std::task::Waker;
    use std::thread::JoinHandle;

    use signal_hook::consts::SIGINT;
    use signal_hook::low_level::{pipe, unregister};
    use signal_hook::{SigId, flag};

    use crate::Error;

    /// Set by the first SIGINT of a run; while it is set, the next SIGINT ends the process.
    /// Outside runs it stays set when SIGINT had its default disposition.
    static TERMINATE: AtomicBool = AtomicBool::new(false);

    /// The process-wide part: what SIGINT did before oneoff, and the runs in progress.
    static STATE: Mutex<State> = Mutex::new(State {
        before: None,
        runs: 0,
        arming: None,
    });

    struct State {
        /// What SIGINT did before the first run; `None` until then.
        before: Option<Disposition>,
        /// Runs handling Ctrl-C right now (on any thread).
        runs: usize,
        /// The action that arms termination, registered while `runs > 0`.
        arming: Option<SigId>,
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Disposition {
        Default,
        Ignored,
        Caught,
    }

    fn state() -> MutexGuard<'static, State> {
        STATE.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// SIGINT's disposition now, from Linux's `/proc/self/status` (`SigIgn`, `SigCgt`);
    /// elsewhere, or when that cannot be read, the default.
    fn disposition() -> Disposition {
        let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
            return Disposition::Default;
        };
        let has_sigint = |field: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
                .is_some_and(|mask| mask & (1 << (SIGINT - 1)) != 0)
        };
        if has_sigint("SigIgn:") {
            Disposition::Ignored
        } else if has_sigint("SigCgt:") {
            Disposition::Caught
        } else {
            Disposition::Default
        }
    }

    fn start_error(err: io::Error) -> Error {
        Error::Start {
            backend: "oneoff's Ctrl-C handling",
            source: err,
        }
    }

    /// One run's Ctrl-C handling, from its start to its end.
    pub(crate) struct Guard {
        shared: Arc<Shared>,
        /// The run's own action, which writes a byte into the watcher's socket.
        wake: Option<SigId>,
        /// Our end of the watcher's socket, to stop the watcher.
        stop: Option<UnixStream>,
        watcher: Option<JoinHandle<()>>,
        /// Whether this run is counted in [`State::runs`].
        counted: bool,
    }

    #[derive(Default)]
    struct Shared {
        interrupted: AtomicBool,
        stopping: AtomicBool,
        waker: Mutex<Option<Waker>>,
    }

    impl Guard {
        /// Starts handling Ctrl-C for a run on `backend`.
        pub(crate) fn arm(_backend: &'static str) -> Result<Guard, Error> {
            let mut state = state();
            let before = *state.before.get_or_insert_with(|| {
                let before = disposition();
                if before == Disposition::Default {
                    // Stays for the life of the process: the registry cannot restore SIG_DFL.
                    let _ = flag::register_conditional_default(SIGINT, &TERMINATE);
                }
                before
            });
            let shared = Arc::new(Shared::default());
            if before == Disposition::Ignored {
                // The process chose to ignore SIGINT; a run does not change that.
                return Ok(Guard {
                    shared,
                    wake: None,
                    stop: None,
                    watcher: None,
                    counted: false,
                });
            }
            let (mut read, write) = UnixStream::pair().map_err(start_error)?;
            let stop = write.try_clone().map_err(start_error)?;
            if state.runs == 0 {
                let arming = flag::register(SIGINT, &TERMINATE).map_err(start_error)?;
                TERMINATE.store(false, Ordering::SeqCst);
                state.arming = Some(arming);
            }
            state.runs += 1;
            // From here on, dropping the guard (also on the errors below) undoes the count.
            let mut guard = Guard {
                shared,
                wake: None,
                stop: Some(stop),
                watcher: None,
                counted: true,
            };
            drop(state);
            guard.wake = Some(pipe::register(SIGINT, write).map_err(start_error)?);
            let shared = Arc::clone(&guard.shared);
            let watcher = std::thread::Builder::new()
                .name("oneoff-ctrl-c".into())
                .spawn(move || {
                    let mut byte = [0u8; 1];
                    while let Ok(1..) = read.read(&mut byte) {
                        if shared.stopping.load(Ordering::SeqCst) {
                            return;
                        }
                        if !shared.interrupted.swap(true, Ordering::SeqCst)
                            && let Some(waker) = shared.lock_waker().take()
                        {
                            waker.wake();
                        }
                    }
                })
                .map_err(start_error)?;
            guard.watcher = Some(watcher);
            Ok(guard)
        }

        /// Whether a Ctrl-C arrived; if not, `waker` is woken when one does.
        pub(crate) fn interrupted(&self, waker: &Waker) -> bool {
            if self.shared.interrupted.load(Ordering::SeqCst) {
                return true;
            }
            *self.shared.lock_waker() = Some(waker.clone());
            // A Ctrl-C between the first look and the waker's registration woke nobody.
            self.shared.interrupted.load(Ordering::SeqCst)
        }
    }

    impl Shared {
        fn lock_waker(&self) -> MutexGuard<'_, Option<Waker>> {
            self.waker.lock().unwrap_or_else(PoisonError::into_inner)
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            if let Some(wake) = self.wake.take() {
                unregister(wake);
            }
            self.shared.stopping.store(true, Ordering::SeqCst);
            if let Some(mut stop) = self.stop.take() {
                let _ = stop.write_all(&[0]);
            }
            if let Some(watcher) = self.watcher.take() {
                let _ = watcher.join();
            }
            if self.counted {
                let mut state = state();
                state.runs -= 1;
                if state.runs == 0 {
                    if let Some(arming) = state.arming.take() {
                        unregister(arming);
                    }
                    let outside = state.before == Some(Disposition::Default);
                    TERMINATE.store(outside, Ordering::SeqCst);
                }
            }
        }
    }
}

#[cfg(not(all(unix, feature = "ctrl-c")))]
mod unsupported {
    use std::task::Waker;

    use crate::Error;

    /// Ctrl-C handling where it is not available.
    pub(crate) enum Guard {}

    impl Guard {
        pub(crate) fn arm(backend: &'static str) -> Result<Guard, Error> {
            Err(Error::Unsupported {
                backend,
                reason: if cfg!(unix) {
                    "Ctrl-C handling needs oneoff's `ctrl-c` feature"
                } else {
                    "Ctrl-C handling is implemented for Unix only"
                },
            })
        }

        pub(crate) fn interrupted(&self, _: &Waker) -> bool {
            match *self {}
        }
    }
}
