//! Ctrl-C for real: the `ctrl_c` example runs as a child process and gets SIGINT from here.
//! Once: the future's clean-up runs, the run reports `Interrupted`, and afterwards SIGINT ends
//! the program as it did before the run. Twice, during the clean-up: the process ends at once,
//! killed by SIGINT (exit status 130 in a shell).
#![cfg(all(unix, feature = "ctrl-c"))]

use std::io::{BufRead, BufReader, Lines};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use oneoff_workloads::watchdog;
use rustix::process::{Pid, Signal, kill_process};

const LIMIT: Duration = Duration::from_secs(600);

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

struct Example {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Example {
    fn start(cleanup_ms: u64) -> Self {
        let mut child = Command::new(example())
            .args(["--cleanup-ms", &cleanup_ms.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the example starts");
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Example { child, lines }
    }

    /// The next line it prints.
    fn line(&mut self) -> String {
        self.lines
            .next()
            .expect("the example printed another line")
            .unwrap()
    }

    fn interrupt(&self) {
        let pid = Pid::from_child(&self.child);
        kill_process(pid, Signal::INT).expect("SIGINT reaches the example");
    }
}

#[test]
fn one_ctrl_c_cleans_up_reports_and_gives_sigint_back() {
    let (lines, signal) = watchdog("ctrl-c once", LIMIT, || {
        let mut example = Example::start(100);
        assert_eq!(example.line(), "Working; press Ctrl-C to stop");
        example.interrupt();
        let lines = [
            example.line(),
            example.line(),
            example.line(),
            example.line(),
        ];
        // After the run, SIGINT does what it did before: here, the default (ends the process).
        example.interrupt();
        let status = example.child.wait().unwrap();
        (lines, status.signal())
    });
    assert_eq!(lines[0], "Cleaning up");
    assert_eq!(lines[1], "Cleaned up");
    assert!(
        lines[2].starts_with("Stopped: the run on ")
            && lines[2].contains("was interrupted by Ctrl-C (SIGINT)"),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], "Ctrl-C ends the program again, as before the run");
    assert_eq!(signal, Some(Signal::INT.as_raw()), "not ended by SIGINT");
}

#[test]
fn a_second_ctrl_c_during_the_clean_up_ends_the_process() {
    let (seen, signal) = watchdog("ctrl-c twice", LIMIT, || {
        let mut example = Example::start(30_000);
        assert_eq!(example.line(), "Working; press Ctrl-C to stop");
        example.interrupt();
        let cleaning = example.line();
        example.interrupt();
        let status = example.child.wait().unwrap();
        let rest: Vec<String> = example.lines.map_while(Result::ok).collect();
        ((cleaning, rest), status.signal())
    });
    assert_eq!(seen.0, "Cleaning up");
    assert!(seen.1.is_empty(), "the clean-up went on: {:?}", seen.1);
    assert_eq!(signal, Some(Signal::INT.as_raw()), "not ended by SIGINT");
}
