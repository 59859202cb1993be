//! Ctrl-C for a run that asks for it, as `asyncio.Runner.run` does since Python 3.11: the first
//! SIGINT cancels the run, a second one while its future is being dropped ends the process as
//! the default handler would, and afterwards SIGINT does what it did before.
//!
//! **Which run.** SIGINT belongs to the process, so one run takes it at a time: the run on the
//! main thread, as asyncio's runner takes it only in the main thread. A run on another thread
//! that asks for Ctrl-C runs without it and leaves SIGINT as it is: a library's run on a worker
//! thread never takes Ctrl-C from the program. Runs on one thread cannot nest (the nested-call
//! check refuses them first), so at most one run is armed at a time.
//!
//! **Leaving no trace.** The run installs a handler of its own with `sigaction` and puts the
//! previous disposition back when it ends: the default (Ctrl-C ends the process), a handler
//! the program installed before (signal-hook's registry, which tokio's `signal` uses too, or
//! `ctrlc`), or `SIG_IGN`, which a run leaves alone (`nohup`). So a handler installed after the
//! run finds SIGINT exactly as it was: signal-hook's registry installs its own handler on top,
//! and `ctrlc`, which refuses to replace anything but the default, finds the default. This is
//! why the handling does not go through signal-hook: its registry installs its handler once
//! and never puts the default back, so an action that emulates the default has to stay
//! registered, and being first in the list it ends the process before any action registered
//! after it runs. Were a handler installed on top of ours while a run is in progress, ours
//! cannot be taken out from under it: it then stays in the chain for the rest of the process,
//! doing what the previous disposition did where that was a handler, nothing otherwise (as
//! signal-hook's registry does with a previous default), and later runs rely on it being
//! called.
//!
//! **One watcher.** A signal handler may only do async-signal-safe things, so it writes a byte
//! into a socket, and one thread per process, started by the first armed run and blocked in a
//! read between Ctrl-Cs, wakes the run.

#[cfg(all(unix, feature = "ctrl-c"))]
pub(crate) use unix::Guard;

#[cfg(not(all(unix, feature = "ctrl-c")))]
pub(crate) use unsupported::Guard;

#[cfg(all(unix, feature = "ctrl-c"))]
#[allow(
    unsafe_code,
    reason = "sigaction, the signal handler and its write are FFI; no safe API can put SIGINT's previous disposition back"
)]
mod unix {
    use std::io::{self, Read};
    use std::os::fd::IntoRawFd;
    use std::os::unix::net::UnixStream;
    use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering::SeqCst};
    use std::sync::{Mutex, MutexGuard, PoisonError};
    use std::task::Waker;
    use std::{mem, ptr, thread};

    use libc::{SIG_DFL, SIG_IGN, SIGINT, c_int, c_void, siginfo_t};

    use crate::Error;

    /// Set while the main thread's run handles Ctrl-C.
    static ARMED: AtomicBool = AtomicBool::new(false);
    /// Set by the first SIGINT of the armed run.
    static INTERRUPTED: AtomicBool = AtomicBool::new(false);
    /// The write end of the watcher's socket; -1 until the watcher runs.
    static WAKE: AtomicI32 = AtomicI32::new(-1);
    /// What SIGINT did before our handler, for the handler to do when a run does not take the
    /// signal: `SIG_DFL`, `SIG_IGN` or a handler's address, and whether that handler takes a
    /// `siginfo_t` (`SA_SIGINFO`).
    static PREVIOUS: AtomicUsize = AtomicUsize::new(SIG_DFL);
    static PREVIOUS_SIGINFO: AtomicBool = AtomicBool::new(false);
    /// The armed run's waker, woken by the watcher.
    static WAKER: Mutex<Option<Waker>> = Mutex::new(None);
    /// Changes of the disposition, one at a time.
    static STATE: Mutex<HandlerState> = Mutex::new(HandlerState {
        watching: false,
        replaced: None,
    });

    /// Whether the watcher runs and which disposition our SIGINT handler replaced.
    struct HandlerState {
        /// Whether the watcher runs (for the rest of the process once started).
        watching: bool,
        /// The disposition our handler replaced, while our handler is installed.
        replaced: Option<libc::sigaction>,
    }

    fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
        // Nothing panics while holding these locks; a poisoned one still holds valid state.
        mutex.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn start_error(err: io::Error) -> Error {
        Error::Start {
            backend: "oneoff's Ctrl-C handling",
            source: err,
        }
    }

    /// One run's Ctrl-C handling, from its start to its end.
    pub(crate) struct Guard {
        /// Whether this run takes SIGINT: it runs on the main thread, and SIGINT is not ignored.
        armed: bool,
    }

    impl Guard {
        /// Starts handling Ctrl-C for a run on `backend`, if the run is on the main thread.
        pub(crate) fn arm(_backend: &'static str) -> Result<Guard, Error> {
            if !on_main_thread() {
                return Ok(Guard { armed: false });
            }
            let mut state = lock(&STATE);
            if ARMED.load(SeqCst) {
                // Unreachable through the nested-call check; the outer run keeps SIGINT.
                return Ok(Guard { armed: false });
            }
            if state.replaced.is_none() {
                let current = disposition().map_err(start_error)?;
                if current.sa_sigaction == SIG_IGN {
                    // The process chose to ignore SIGINT; a run does not change that.
                    return Ok(Guard { armed: false });
                }
                if !state.watching {
                    watch().map_err(start_error)?;
                    state.watching = true;
                }
                // Known to the handler before it can run, and again as it was replaced (in
                // case another thread changed SIGINT in between).
                remember(&current);
                let replaced = install().map_err(start_error)?;
                remember(&replaced);
                state.replaced = Some(replaced);
            }
            INTERRUPTED.store(false, SeqCst);
            ARMED.store(true, SeqCst);
            Ok(Guard { armed: true })
        }

        /// Whether a Ctrl-C arrived; if not, `waker` is woken when one does.
        pub(crate) fn interrupted(&self, waker: &Waker) -> bool {
            if !self.armed {
                return false;
            }
            if INTERRUPTED.load(SeqCst) {
                return true;
            }
            match &mut *lock(&WAKER) {
                Some(known) => known.clone_from(waker),
                slot => *slot = Some(waker.clone()),
            }
            // A Ctrl-C between the first look and the waker's registration woke nobody.
            INTERRUPTED.load(SeqCst)
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            if !self.armed {
                return;
            }
            let mut state = lock(&STATE);
            ARMED.store(false, SeqCst);
            *lock(&WAKER) = None;
            if let Some(replaced) = state.replaced
                && disposition().is_ok_and(|current| current.sa_sigaction == handler_address())
            {
                // SAFETY: `replaced` is what `sigaction` gave back when ours was installed.
                if unsafe { libc::sigaction(SIGINT, &replaced, ptr::null_mut()) } == 0 {
                    state.replaced = None;
                }
            }
            // Otherwise a handler was installed on top of ours during the run: ours stays
            // below it, doing what the previous disposition did (see the module's doc).
        }
    }

    /// Whether the calling thread is the process's main thread.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn on_main_thread() -> bool {
        // SAFETY: gettid has no preconditions.
        let thread = unsafe { libc::gettid() };
        u32::try_from(thread).is_ok_and(|thread| thread == std::process::id())
    }

    /// Whether the calling thread is the process's main thread, as std names it.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn on_main_thread() -> bool {
        thread::current().name() == Some("main")
    }

    /// Starts the watcher: a thread that wakes the armed run for each byte the handler writes.
    fn watch() -> io::Result<()> {
        let (mut read, write) = UnixStream::pair()?;
        // The handler must never block: a full socket already holds a wake-up.
        write.set_nonblocking(true)?;
        thread::Builder::new()
            .name("oneoff-ctrl-c".into())
            .spawn(move || {
                let mut bytes = [0; 16];
                loop {
                    match read.read(&mut bytes) {
                        Ok(1..) => {
                            if let Some(waker) = lock(&WAKER).take() {
                                waker.wake();
                            }
                        }
                        Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                        // Our end stays open for the life of the process.
                        Ok(0) | Err(_) => return,
                    }
                }
            })?;
        WAKE.store(write.into_raw_fd(), SeqCst);
        Ok(())
    }

    /// SIGINT's disposition now.
    fn disposition() -> io::Result<libc::sigaction> {
        // SAFETY: a zeroed `sigaction` is a valid value (SIG_DFL, no flags, empty mask), and
        // a null new action only reads the current one.
        unsafe {
            let mut current: libc::sigaction = mem::zeroed();
            match libc::sigaction(SIGINT, ptr::null(), &mut current) {
                0 => Ok(current),
                _ => Err(io::Error::last_os_error()),
            }
        }
    }

    /// Keeps `previous` where the handler reads it.
    fn remember(previous: &libc::sigaction) {
        PREVIOUS_SIGINFO.store(previous.sa_flags & libc::SA_SIGINFO != 0, SeqCst);
        PREVIOUS.store(previous.sa_sigaction, SeqCst);
    }

    fn handler_address() -> usize {
        on_sigint as extern "C" fn(c_int, *mut siginfo_t, *mut c_void) as usize
    }

    /// Installs our handler; returns the disposition it replaced.
    fn install() -> io::Result<libc::sigaction> {
        // SAFETY: both structs are valid (zeroed, then filled in); `on_sigint` is an
        // `SA_SIGINFO` handler that only does async-signal-safe things.
        unsafe {
            let mut ours: libc::sigaction = mem::zeroed();
            ours.sa_sigaction = handler_address();
            ours.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            libc::sigemptyset(&mut ours.sa_mask);
            let mut replaced: libc::sigaction = mem::zeroed();
            match libc::sigaction(SIGINT, &ours, &mut replaced) {
                0 => Ok(replaced),
                _ => Err(io::Error::last_os_error()),
            }
        }
    }

    /// The handler. Async-signal-safe: atomics, `write`, `sigaction`, `raise`.
    extern "C" fn on_sigint(signal: c_int, info: *mut siginfo_t, context: *mut c_void) {
        if ARMED.load(SeqCst) && !INTERRUPTED.swap(true, SeqCst) {
            // The run's first Ctrl-C: the watcher wakes the run, out of the signal handler.
            // A failed write changes `errno`, which only the interrupted code could see; it
            // fails only with a wake-up already in the socket.
            let byte = 1u8;
            // SAFETY: writes one byte from a live local to a descriptor that stays open.
            unsafe { libc::write(WAKE.load(SeqCst), ptr::from_ref(&byte).cast(), 1) };
            // A handler the program had before sees the Ctrl-C too.
            previous_handler(signal, info, context);
            return;
        }
        // No run takes it, or it is the run's second: what SIGINT did before.
        match PREVIOUS.load(SeqCst) {
            SIG_IGN => {}
            // Where a handler was installed on top of ours, that handler is SIGINT's now.
            SIG_DFL => {
                if disposition().is_ok_and(|now| now.sa_sigaction == handler_address()) {
                    terminate();
                }
            }
            _ => previous_handler(signal, info, context),
        }
    }

    /// Calls the handler that SIGINT had before ours, if it had one.
    fn previous_handler(signal: c_int, info: *mut siginfo_t, context: *mut c_void) {
        let address = PREVIOUS.load(SeqCst);
        if address == SIG_DFL || address == SIG_IGN {
            return;
        }
        let address = address as *mut ();
        // SAFETY: `address` is the handler `sigaction` reported, of the kind its flags say.
        unsafe {
            if PREVIOUS_SIGINFO.load(SeqCst) {
                type Action = extern "C" fn(c_int, *mut siginfo_t, *mut c_void);
                mem::transmute::<*mut (), Action>(address)(signal, info, context);
            } else {
                mem::transmute::<*mut (), extern "C" fn(c_int)>(address)(signal);
            }
        }
    }

    /// Ends the process as the default disposition does: killed by SIGINT.
    fn terminate() {
        // SAFETY: async-signal-safe calls on valid, zeroed structs.
        unsafe {
            let mut default: libc::sigaction = mem::zeroed();
            default.sa_sigaction = SIG_DFL;
            libc::sigaction(SIGINT, &default, ptr::null_mut());
            // Blocked while its handler runs: unblocked, the raised SIGINT ends the process
            // before `raise` returns.
            let mut set: libc::sigset_t = mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, SIGINT);
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, ptr::null_mut());
            libc::raise(SIGINT);
            libc::abort();
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
