//! The one way xtask starts another program: every child (cargo, rustc, git, the probe,
//! python3) goes through [`Cmd`], so that each has a timeout, its output is captured the same
//! way, and a timed child records when each line of its stdout arrived.

use std::ffi::OsStr;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use wait_timeout::ChildExt;

/// A program to run, with its arguments and a time limit.
#[derive(Debug)]
pub(crate) struct Cmd {
    command: Command,
    timeout: Duration,
    show_stderr: bool,
}

/// What a finished (or killed) child did.
#[derive(Debug)]
pub(crate) struct Ran {
    /// How it exited; `None` when it was killed at its timeout.
    pub(crate) status: Option<ExitStatus>,
    /// Its stdout, line by line, each with the time since just before it was started.
    pub(crate) lines: Vec<Line>,
    /// Its stderr (empty when it was shown to the user instead).
    pub(crate) stderr: String,
    /// From just before it was started to its exit being seen: what hyperfine calls the
    /// wall-clock time of one run.
    pub(crate) wall: Duration,
    /// The time limit it had.
    pub(crate) timeout: Duration,
}

/// One line of a child's stdout, without its line ending.
#[derive(Debug)]
pub(crate) struct Line {
    /// When it arrived, counted from just before the child was started.
    pub(crate) at: Duration,
    /// The line.
    pub(crate) text: String,
}

impl Cmd {
    /// `program`, with no arguments yet and a one-minute time limit.
    pub(crate) fn new(program: impl AsRef<OsStr>) -> Self {
        Cmd {
            command: Command::new(program),
            timeout: Duration::from_secs(60),
            show_stderr: false,
        }
    }

    /// Adds arguments.
    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    /// Runs the program in `dir`.
    pub(crate) fn dir(mut self, dir: &Path) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// Kills the program when it has not exited after `timeout`.
    pub(crate) fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Lets the program's stderr through to the user instead of capturing it (for cargo's
    /// progress while it builds).
    pub(crate) fn show_stderr(mut self) -> Self {
        self.show_stderr = true;
        self
    }

    /// Runs the program to its end or its timeout; fails only when it cannot be started.
    pub(crate) fn run(mut self) -> anyhow::Result<Ran> {
        let shown = self.to_string();
        self.command.stdin(Stdio::null()).stdout(Stdio::piped());
        self.command.stderr(if self.show_stderr {
            Stdio::inherit()
        } else {
            Stdio::piped()
        });
        let started = Instant::now();
        let mut child = self
            .command
            .spawn()
            .with_context(|| format!("could not start `{shown}`"))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take();
        thread::scope(|scope| {
            // Readers on their own threads, so that neither pipe can fill up and block the
            // child, and so that each stdout line is stamped the moment it arrives.
            let lines = scope.spawn(move || read_lines(stdout, started));
            let stderr = scope.spawn(move || {
                let mut text = String::new();
                if let Some(mut stderr) = stderr {
                    // A child's stderr that is not UTF-8 is shown as far as it is.
                    let mut bytes = Vec::new();
                    let _ = stderr.read_to_end(&mut bytes);
                    text = String::from_utf8_lossy(&bytes).into_owned();
                }
                text
            });
            let waited = child
                .wait_timeout(self.timeout)
                .with_context(|| format!("could not wait for `{shown}`"));
            let wall = started.elapsed();
            let status = match waited {
                Ok(Some(status)) => Some(status),
                Ok(None) | Err(_) => {
                    // Past its time (or unwaitable): end it, so that its pipes close.
                    let _ = child.kill();
                    let _ = child.wait();
                    None
                }
            };
            Ok(Ran {
                status,
                lines: lines.join().expect("the stdout reader does not panic"),
                stderr: stderr.join().expect("the stderr reader does not panic"),
                wall,
                timeout: self.timeout,
            })
        })
    }

    /// Runs the program and returns its stdout, trimmed; fails when it does not succeed.
    pub(crate) fn read(self) -> anyhow::Result<String> {
        let shown = self.to_string();
        let ran = self.run()?;
        if !ran.success() {
            bail!("`{shown}` failed: {}", ran.failure());
        }
        let text: Vec<&str> = ran.lines.iter().map(|line| line.text.as_str()).collect();
        Ok(text.join("\n").trim().to_owned())
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.command.get_program().to_string_lossy())?;
        for arg in self.command.get_args() {
            write!(f, " {}", arg.to_string_lossy())?;
        }
        Ok(())
    }
}

impl Ran {
    /// Whether it exited by itself with status 0.
    pub(crate) fn success(&self) -> bool {
        self.status.is_some_and(|status| status.success())
    }

    /// Why it did not succeed, in one line: the timeout, or its exit status and the first
    /// line of its stderr that says something.
    pub(crate) fn failure(&self) -> String {
        let Some(status) = self.status else {
            return format!("no exit within {:?}, killed", self.timeout);
        };
        let said = self
            .stderr
            .lines()
            .map(str::trim)
            .find(|line| line.starts_with("error") || line.contains("panicked"))
            .or_else(|| self.stderr.lines().map(str::trim).find(|l| !l.is_empty()));
        match said {
            Some(said) => format!("{status}: {said}"),
            None => status.to_string(),
        }
    }

    /// The last line of stdout, where the probe and the Python reference put their report.
    pub(crate) fn last_line(&self) -> Option<&str> {
        self.lines.last().map(|line| line.text.as_str())
    }
}

fn read_lines(stdout: impl Read, started: Instant) -> Vec<Line> {
    let mut reader = BufReader::new(stdout);
    let mut lines = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return lines,
            Ok(_) => {
                let at = started.elapsed();
                let text = String::from_utf8_lossy(&buf);
                lines.push(Line {
                    at,
                    text: text.trim_end_matches(['\n', '\r']).to_owned(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_lines_and_status() {
        let ran = Cmd::new("sh")
            .args(["-c", "echo one; echo two; echo oops >&2; exit 3"])
            .run()
            .unwrap();
        let texts: Vec<_> = ran.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["one", "two"]);
        // Stamped when read, so in order (a line read after the exit was seen may be stamped
        // after `wall`).
        assert!(ran.lines[0].at <= ran.lines[1].at);
        assert!(!ran.success());
        assert_eq!(ran.failure(), "exit status: 3: oops");
        assert_eq!(ran.last_line(), Some("two"));
    }

    #[test]
    fn kills_at_timeout() {
        let ran = Cmd::new("sleep")
            .args(["30"])
            .timeout(Duration::from_millis(50))
            .run()
            .unwrap();
        assert!(ran.status.is_none());
        assert!(ran.failure().starts_with("no exit within"));
    }

    #[test]
    fn read_fails_with_the_command() {
        let err = Cmd::new("sh").args(["-c", "exit 1"]).read().unwrap_err();
        assert_eq!(err.to_string(), "`sh -c exit 1` failed: exit status: 1");
    }
}
