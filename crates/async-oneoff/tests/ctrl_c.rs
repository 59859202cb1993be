//! Ctrl-C for real, in child processes that get SIGINT from here.
//!
//! - The `ctrl_c` example: once, the future's clean-up runs, the run reports `Interrupted`, and
//!   afterwards SIGINT ends the program as it did before the run; twice, during the clean-up,
//!   the process ends at once, killed by SIGINT.
//! - After a Ctrl-C run (interrupted or finished), SIGINT does what it did before and a handler
//!   installed later works: no handler (the process dies of SIGINT), `signal_hook::flag`,
//!   `tokio::signal::ctrl_c`, the `ctrlc` crate (whose `try_set_handler` takes SIGINT only from
//!   the default disposition). A handler installed before the run sees the Ctrl-C that
//!   cancels the run and the ones after it; one installed during the run sees that Ctrl-C and
//!   keeps SIGINT after the run, while a later run still takes its first Ctrl-C; an ignored
//!   SIGINT stays ignored, and a run does not take it.
//! - Which runs one SIGINT cancels: the main thread's, not a run on another thread; a run on
//!   another thread leaves SIGINT alone. One watcher thread for the process.
//! - Every backend of the build is interrupted.
//!
//! The file has its own harness (`harness = false`): each case re-runs this binary as a child
//! with `ONEOFF_CTRL_C_CHILD` naming the case, whose runs must be on the main thread (the one
//! thread whose run takes Ctrl-C) where libtest would run them on a thread of their own. Each
//! case runs under a watchdog, and every wait of a child is bounded, so that a child never
//! outlives its case for long.

use std::time::Duration;

/// The environment variable that makes this binary a child running the named case.
#[cfg(unix)]
const CHILD: &str = "ONEOFF_CTRL_C_CHILD";
/// How long a child waits for anything before it gives up and says so.
#[cfg(unix)]
const CHILD_BOUND: Duration = Duration::from_secs(30);

fn main() -> std::process::ExitCode {
    #[cfg(unix)]
    {
        if let Ok(case) = std::env::var(CHILD) {
            child::run(&case);
            return std::process::ExitCode::SUCCESS;
        }
        parent::run_all()
    }
    #[cfg(not(unix))]
    {
        println!("Ctrl-C handling is Unix only: no test here");
        std::process::ExitCode::SUCCESS
    }
}

/// What the child says on its standard output, a line at a time.
#[cfg(unix)]
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

/// The cases' child sides, each on the child's main thread.
#[cfg(unix)]
mod child {
    use std::future::pending;
    use std::io::BufRead;
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;
    use std::thread;
    use std::time::Instant;

    use oneoff::{Error, OneOffRunner, Options};
    use signal_hook::consts::SIGINT;

    use super::{CHILD_BOUND, say};

    pub(crate) fn run(case: &str) {
        let words: Vec<&str> = case.split(' ').collect();
        match words[..] {
            ["after", run, handler] => after(run, handler),
            ["handler-before"] => handler_before(),
            ["handler-during"] => handler_during(),
            ["ignored"] => ignored(),
            ["main-and-worker"] => main_and_worker(),
            ["worker-alone"] => worker_alone(),
            ["one-watcher"] => one_watcher(),
            ["every-backend"] => every_backend(),
            _ => panic!("no child case {case:?}"),
        }
    }

    /// A Ctrl-C run on the main thread that the parent interrupts.
    fn interrupted_run() -> String {
        let run = Options::new().ctrl_c(true).run(async {
            say("running");
            pending::<()>().await
        });
        match run {
            Err(Error::Interrupted { .. }) => "run: interrupted".to_owned(),
            other => format!("run: {other:?}"),
        }
    }

    /// A Ctrl-C run, interrupted or not, then the handler installed after it.
    fn after(run: &str, handler: &str) {
        match run {
            "interrupted" => say(&interrupted_run()),
            "finished" => match Options::new().ctrl_c(true).run(async { 7 }) {
                Ok(7) => say("run: finished"),
                other => say(&format!("run: {other:?}")),
            },
            _ => panic!("no run {run:?}"),
        }
        match handler {
            "nothing" => {
                say("ready");
                thread::sleep(CHILD_BOUND);
                say("survived SIGINT");
            }
            "signal-hook" => {
                let seen = Arc::new(AtomicBool::new(false));
                signal_hook::flag::register(SIGINT, Arc::clone(&seen)).unwrap();
                say("ready");
                wait_for(&seen);
                say("signal-hook saw SIGINT");
            }
            "tokio" => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let seen = runtime.block_on(async {
                    let mut ctrl_c = pin!(tokio::signal::ctrl_c());
                    // The first poll installs tokio's handler.
                    assert!(futures_lite::future::poll_once(&mut ctrl_c).await.is_none());
                    say("ready");
                    tokio::time::timeout(CHILD_BOUND, ctrl_c).await
                });
                match seen {
                    Ok(Ok(())) => say("tokio saw SIGINT"),
                    other => say(&format!("tokio: {other:?}")),
                }
            }
            "ctrlc" => {
                let (seen, saw) = mpsc::channel();
                // `try_set_handler` refuses to replace anything but the default disposition:
                // it also checks that the run put the default back.
                match ctrlc::try_set_handler(move || {
                    let _ = seen.send(());
                }) {
                    Ok(()) => say("ready"),
                    Err(err) => return say(&format!("ctrlc: {err}")),
                }
                match saw.recv_timeout(CHILD_BOUND) {
                    Ok(()) => say("ctrlc saw SIGINT"),
                    Err(err) => say(&format!("ctrlc: {err}")),
                }
            }
            _ => panic!("no handler {handler:?}"),
        }
    }

    /// Waits for `flag`, for at most the child's bound.
    fn wait_for(flag: &AtomicBool) {
        let start = Instant::now();
        while !flag.load(Ordering::SeqCst) && start.elapsed() < CHILD_BOUND {
            thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// A handler installed before the run sees the Ctrl-C that cancels it, and those after.
    fn handler_before() {
        let seen = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(SIGINT, Arc::clone(&seen)).unwrap();
        let run = interrupted_run();
        say(&format!(
            "{run}, signal-hook saw it: {}",
            seen.swap(false, Ordering::SeqCst)
        ));
        say("ready");
        wait_for(&seen);
        say("signal-hook saw SIGINT");
    }

    /// A handler installed during a run: it sees the Ctrl-C that cancels the run, keeps
    /// SIGINT after the run, and a later run still takes the first Ctrl-C.
    fn handler_during() {
        let seen = Arc::new(AtomicBool::new(false));
        let run = Options::new().ctrl_c(true).run({
            let seen = Arc::clone(&seen);
            async move {
                signal_hook::flag::register(SIGINT, seen).unwrap();
                say("running");
                pending::<()>().await
            }
        });
        let interrupted = matches!(run, Err(Error::Interrupted { .. }));
        let saw = seen.swap(false, Ordering::SeqCst);
        say(&format!(
            "run interrupted: {interrupted}, signal-hook saw it: {saw}"
        ));
        say("ready");
        wait_for(&seen);
        say(&format!(
            "signal-hook saw SIGINT: {}",
            seen.swap(false, Ordering::SeqCst)
        ));
        say(&interrupted_run());
    }

    /// Started with SIGINT ignored: the run does not take it, and it stays ignored.
    fn ignored() {
        let (release, released) = smol::channel::bounded::<()>(1);
        let lines = thread::spawn(move || {
            for _ in std::io::stdin().lock().lines() {
                let _ = release.send_blocking(());
            }
        });
        let run = Options::new().ctrl_c(true).run(async {
            say("running");
            released.recv().await
        });
        say(&format!("run: {run:?}"));
        say("ready");
        let _ = smol::block_on(released.recv());
        say("survived SIGINT");
        drop(lines);
    }

    /// A run on a worker thread beside a run on the main thread.
    fn main_and_worker() {
        let (release, released) = smol::channel::bounded::<()>(1);
        let (started, has_started) = mpsc::channel();
        let worker = thread::spawn(move || {
            Options::new().ctrl_c(true).run(async move {
                started.send(()).unwrap();
                released.recv().await
            })
        });
        has_started.recv_timeout(CHILD_BOUND).unwrap();
        say(&interrupted_run());
        release.send_blocking(()).unwrap();
        match worker.join().unwrap() {
            Ok(Ok(())) => say("worker: finished"),
            other => say(&format!("worker: {other:?}")),
        }
    }

    /// A run on a worker thread alone, the main thread waiting for it.
    fn worker_alone() {
        let worker = thread::spawn(|| {
            Options::new().ctrl_c(true).run(async {
                say("worker running");
                async_io::Timer::after(CHILD_BOUND).await;
            })
        });
        say(&format!("worker: {:?}", worker.join().unwrap()));
    }

    /// The process's threads and open descriptors, as counted now. (The watcher is told by
    /// the count, not by its name: a thread takes its name once it runs, and the watcher may
    /// not have run yet.)
    fn threads_and_descriptors() -> (usize, usize) {
        let threads = std::fs::read_dir("/proc/self/task").unwrap().count();
        let descriptors = std::fs::read_dir("/proc/self/fd").unwrap().count();
        (threads, descriptors)
    }

    /// Five runs on the main thread while a worker thread runs one too: the threads added
    /// since before the worker started, and whether the descriptors grew, seen inside each.
    fn one_watcher() {
        // A plain run first starts the threads a backend starts once per process (smol's
        // `async-io` driver).
        oneoff::run(async {}).unwrap();
        let (before, _) = threads_and_descriptors();
        let (release, released) = smol::channel::bounded::<()>(1);
        let (started, has_started) = mpsc::channel();
        let worker = thread::spawn(move || {
            Options::new().ctrl_c(true).run(async move {
                started.send(()).unwrap();
                released.recv().await
            })
        });
        has_started.recv_timeout(CHILD_BOUND).unwrap();
        let counts: Vec<(usize, usize)> = (0..5)
            .map(|_| {
                Options::new()
                    .ctrl_c(true)
                    .run(async { threads_and_descriptors() })
                    .unwrap()
            })
            .collect();
        release.send_blocking(()).unwrap();
        worker.join().unwrap().unwrap().unwrap();
        let added: Vec<String> = counts.iter().map(|c| (c.0 - before).to_string()).collect();
        say(&format!("threads added: {}", added.join(" ")));
        let grew = counts.windows(2).any(|pair| pair[1].1 > pair[0].1);
        say(&format!("descriptors grew: {grew}"));
    }

    /// An interrupted run on every backend of the build, one after another.
    fn every_backend() {
        fn on<R: OneOffRunner>() {
            let run = oneoff_core::Options::<R>::new().ctrl_c(true).run(async {
                say(&format!("running {}", R::NAME));
                pending::<()>().await
            });
            match run {
                Err(Error::Interrupted { backend }) => say(&format!("interrupted {backend}")),
                other => say(&format!("{}: {other:?}", R::NAME)),
            }
        }
        macro_rules! each {
            ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {$(
                #[cfg(feature = $feature)]
                on::<$runner>();
            )*};
        }
        oneoff::for_each_backend!(each);
        say("done");
    }
}

/// The cases, each spawning a child and sending it SIGINT.
#[cfg(unix)]
mod parent {
    use std::io::{BufRead, BufReader, Lines, Write};
    use std::os::unix::process::ExitStatusExt;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::path::{Path, PathBuf};
    use std::process::{ChildStdin, ChildStdout, Command, ExitCode, ExitStatus, Stdio};
    use std::sync::OnceLock;
    use std::time::Duration;

    use oneoff_workloads::watchdog;
    use rustix::process::{Pid, Signal, kill_process};

    use super::CHILD;

    /// How long one case may take, a build of the example included, before the watchdog
    /// calls it hung.
    const LIMIT: Duration = Duration::from_secs(600);

    /// One Ctrl-C case, named for the watchdog and for selecting it on the command line.
    struct CtrlCCase {
        name: &'static str,
        run: fn(),
    }

    const CASES: &[CtrlCCase] = &[
        CtrlCCase {
            name: "example_one_ctrl_c_cleans_up_reports_and_gives_sigint_back",
            run: example_once,
        },
        CtrlCCase {
            name: "example_a_second_ctrl_c_during_the_clean_up_ends_the_process",
            run: example_twice,
        },
        CtrlCCase {
            name: "after_an_interrupted_run_sigint_ends_the_process",
            run: || after("interrupted", "nothing"),
        },
        CtrlCCase {
            name: "after_a_finished_run_sigint_ends_the_process",
            run: || after("finished", "nothing"),
        },
        CtrlCCase {
            name: "after_an_interrupted_run_signal_hook_flag_sees_sigint",
            run: || after("interrupted", "signal-hook"),
        },
        CtrlCCase {
            name: "after_a_finished_run_signal_hook_flag_sees_sigint",
            run: || after("finished", "signal-hook"),
        },
        CtrlCCase {
            name: "after_an_interrupted_run_tokio_signal_sees_sigint",
            run: || after("interrupted", "tokio"),
        },
        CtrlCCase {
            name: "after_a_finished_run_tokio_signal_sees_sigint",
            run: || after("finished", "tokio"),
        },
        CtrlCCase {
            name: "after_an_interrupted_run_ctrlc_sees_sigint",
            run: || after("interrupted", "ctrlc"),
        },
        CtrlCCase {
            name: "after_a_finished_run_ctrlc_sees_sigint",
            run: || after("finished", "ctrlc"),
        },
        CtrlCCase {
            name: "a_handler_installed_before_sees_every_sigint",
            run: handler_before,
        },
        CtrlCCase {
            name: "a_handler_installed_during_a_run_keeps_sigint_after_it",
            run: handler_during,
        },
        CtrlCCase {
            name: "an_ignored_sigint_stays_ignored",
            run: ignored,
        },
        CtrlCCase {
            name: "one_sigint_cancels_the_main_threads_run_only",
            run: main_and_worker,
        },
        CtrlCCase {
            name: "a_run_on_another_thread_leaves_sigint_alone",
            run: worker_alone,
        },
        CtrlCCase {
            name: "one_watcher_for_the_process",
            run: one_watcher,
        },
        CtrlCCase {
            name: "every_backend_is_interrupted",
            run: every_backend,
        },
    ];

    /// Runs the cases that the command line selects (libtest's name filters and `--exact`),
    /// reporting as libtest does.
    pub(crate) fn run_all() -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let exact = args.iter().any(|arg| arg == "--exact");
        if args.iter().any(|arg| arg == "--list") {
            for case in CASES {
                println!("{}: test", case.name);
            }
            return ExitCode::SUCCESS;
        }
        // libtest's options that take a value; their values are no filters.
        let valued = [
            "--test-threads",
            "--color",
            "--format",
            "--logfile",
            "--skip",
            "-Z",
        ];
        let mut filters = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            if valued.contains(&arg.as_str()) {
                args.next();
            } else if !arg.starts_with('-') {
                filters.push(arg.as_str());
            }
        }
        let selected: Vec<&CtrlCCase> = CASES
            .iter()
            .filter(|case| {
                filters.is_empty()
                    || filters.iter().any(|filter| {
                        if exact {
                            case.name == *filter
                        } else {
                            case.name.contains(filter)
                        }
                    })
            })
            .collect();
        println!("\nrunning {} tests", selected.len());
        let mut failed = Vec::new();
        for case in &selected {
            let run = case.run;
            let outcome = catch_unwind(AssertUnwindSafe(|| watchdog(case.name, LIMIT, run)));
            println!(
                "test {} ... {}",
                case.name,
                if outcome.is_ok() { "ok" } else { "FAILED" }
            );
            if outcome.is_err() {
                failed.push(case.name);
            }
        }
        if !failed.is_empty() {
            println!("\nfailures:");
            for name in &failed {
                println!("    {name}");
            }
        }
        println!(
            "\ntest result: {}. {} passed; {} failed; 0 ignored; 0 measured; {} filtered out\n",
            if failed.is_empty() { "ok" } else { "FAILED" },
            selected.len() - failed.len(),
            failed.len(),
            CASES.len() - selected.len()
        );
        if failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(101)
        }
    }

    /// A child process and its output, line by line.
    struct Child {
        child: std::process::Child,
        lines: Lines<BufReader<ChildStdout>>,
        stdin: Option<ChildStdin>,
    }

    impl Child {
        /// This binary as a child running `case`.
        fn case(case: &str) -> Child {
            let mut command = Command::new(std::env::current_exe().unwrap());
            command.env(CHILD, case);
            Child::start(command)
        }

        /// The `ctrl_c` example, its clean-up taking `cleanup_ms`.
        fn example(cleanup_ms: u64) -> Child {
            let mut command = Command::new(example());
            command.args(["--cleanup-ms", &cleanup_ms.to_string()]);
            Child::start(command)
        }

        fn start(mut command: Command) -> Child {
            let mut child = command
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("the child starts");
            let lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let stdin = child.stdin.take();
            Child {
                child,
                lines,
                stdin,
            }
        }

        /// The next line it prints.
        fn line(&mut self) -> String {
            self.lines
                .next()
                .expect("the child printed another line")
                .unwrap()
        }

        fn expect(&mut self, line: &str) {
            assert_eq!(self.line(), line);
        }

        fn interrupt(&self) {
            let pid = Pid::from_child(&self.child);
            kill_process(pid, Signal::INT).expect("SIGINT reaches the child");
        }

        /// Sends a line to its standard input.
        fn release(&mut self) {
            let stdin = self.stdin.as_mut().unwrap();
            stdin
                .write_all(b"go\n")
                .and_then(|()| stdin.flush())
                .unwrap();
        }

        /// Its exit status, and the lines it printed until then.
        fn wait(mut self) -> (ExitStatus, Vec<String>) {
            drop(self.stdin.take());
            let rest = self.lines.by_ref().map_while(Result::ok).collect();
            (self.child.wait().unwrap(), rest)
        }

        /// Asserts that it ended with status 0 and printed nothing more.
        fn succeeds(self) {
            let (status, rest) = self.wait();
            assert!(status.success(), "{status}; then printed {rest:?}");
            assert!(rest.is_empty(), "then printed {rest:?}");
        }

        /// Asserts that SIGINT killed it.
        fn dies_of_sigint(self) {
            let (status, rest) = self.wait();
            assert_eq!(
                status.signal(),
                Some(Signal::INT.as_raw()),
                "not ended by SIGINT: {status}; then printed {rest:?}"
            );
        }
    }

    /// Builds the example once (features: `ctrl-c` and the default backend) into a target
    /// directory of its own, and returns its path.
    fn example() -> &'static Path {
        static BUILT: OnceLock<PathBuf> = OnceLock::new();
        BUILT.get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            let target = root.join("target/ctrl-c-example");
            let status = Command::new(env!("CARGO"))
                .args(["build", "-q", "-p", "async-oneoff", "--features", "ctrl-c"])
                .args(["--example", "ctrl_c"])
                .arg("--target-dir")
                .arg(&target)
                .current_dir(&root)
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building the ctrl_c example failed");
            target.join("debug/examples/ctrl_c")
        })
    }

    fn example_once() {
        let mut example = Child::example(100);
        example.expect("Working; press Ctrl-C to stop");
        example.interrupt();
        example.expect("Cleaning up");
        example.expect("Cleaned up");
        let stopped = example.line();
        assert!(
            stopped.starts_with("Stopped: the run on ")
                && stopped.contains("was interrupted by Ctrl-C (SIGINT)"),
            "{stopped}"
        );
        example.expect("Ctrl-C ends the program again, as before the run");
        // After the run, SIGINT does what it did before: here, the default (ends the process).
        example.interrupt();
        example.dies_of_sigint();
    }

    fn example_twice() {
        let mut example = Child::example(30_000);
        example.expect("Working; press Ctrl-C to stop");
        example.interrupt();
        example.expect("Cleaning up");
        example.interrupt();
        let (status, rest) = example.wait();
        assert!(rest.is_empty(), "the clean-up went on: {rest:?}");
        assert_eq!(
            status.signal(),
            Some(Signal::INT.as_raw()),
            "not ended by SIGINT"
        );
    }

    /// A run (`interrupted` by the first SIGINT or `finished`), then `handler` installed, then
    /// a second SIGINT: the handler sees it, or with no handler the process dies of it.
    fn after(run: &str, handler: &str) {
        let mut child = Child::case(&format!("after {run} {handler}"));
        if run == "interrupted" {
            child.expect("running");
            child.interrupt();
        }
        child.expect(&format!("run: {run}"));
        child.expect("ready");
        child.interrupt();
        if handler == "nothing" {
            child.dies_of_sigint();
        } else {
            child.expect(&format!("{handler} saw SIGINT"));
            child.succeeds();
        }
    }

    fn handler_before() {
        let mut child = Child::case("handler-before");
        child.expect("running");
        child.interrupt();
        child.expect("run: interrupted, signal-hook saw it: true");
        child.expect("ready");
        child.interrupt();
        child.expect("signal-hook saw SIGINT");
        child.succeeds();
    }

    fn handler_during() {
        let mut child = Child::case("handler-during");
        child.expect("running");
        child.interrupt();
        child.expect("run interrupted: true, signal-hook saw it: true");
        child.expect("ready");
        child.interrupt();
        child.expect("signal-hook saw SIGINT: true");
        child.expect("running");
        child.interrupt();
        child.expect("run: interrupted");
        child.succeeds();
    }

    /// The child starts with SIGINT ignored, as `nohup` or a shell's `trap '' INT` leave it.
    fn ignored() {
        let mut command = Command::new("sh");
        command
            .args(["-c", "trap '' INT; exec \"$0\""])
            .arg(std::env::current_exe().unwrap())
            .env(CHILD, "ignored");
        let mut child = Child::start(command);
        child.expect("running");
        // Had the run taken SIGINT, it would most likely be interrupted before the release
        // arrives.
        child.interrupt();
        child.release();
        child.expect("run: Ok(Ok(()))");
        child.expect("ready");
        child.interrupt();
        child.release();
        child.expect("survived SIGINT");
        child.succeeds();
    }

    fn main_and_worker() {
        let mut child = Child::case("main-and-worker");
        child.expect("running");
        child.interrupt();
        child.expect("run: interrupted");
        child.expect("worker: finished");
        child.succeeds();
    }

    fn worker_alone() {
        let mut child = Child::case("worker-alone");
        child.expect("worker running");
        child.interrupt();
        child.dies_of_sigint();
    }

    fn one_watcher() {
        let mut child = Child::case("one-watcher");
        // The worker thread and one watcher; a watcher per run made it 3 (the worker's run
        // had one too).
        child.expect("threads added: 2 2 2 2 2");
        child.expect("descriptors grew: false");
        child.succeeds();
    }

    fn every_backend() {
        let mut child = Child::case("every-backend");
        let mut backends = 0;
        loop {
            let line = child.line();
            if line == "done" {
                break;
            }
            let backend = line
                .strip_prefix("running ")
                .unwrap_or_else(|| panic!("{line}"));
            child.interrupt();
            child.expect(&format!("interrupted {backend}"));
            backends += 1;
        }
        assert!(backends >= 1, "no backend ran");
        child.succeeds();
    }
}
