//! The one way xtask starts another program: every child goes through [`Cmd`], with a timeout,
//! its output captured the same way and each line of its stdout stamped when it arrived.

use std::ffi::OsStr;
use std::fmt;
use std::io::{self, Read, Seek};
use std::path::Path;
use std::process::{ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
use wait_timeout::ChildExt;

/// What a child's stdout lines are shown to as they arrive.
type EachLine = Box<dyn FnMut(&str)>;

/// A program to run, with its arguments and a time limit.
pub(crate) struct Cmd {
    command: Command,
    timeout: Duration,
    show_stderr: bool,
    each_line: Option<EachLine>,
}

/// What a finished (or killed) child did.
#[derive(Debug)]
pub(crate) struct Ran {
    /// How it exited; `None` when it was killed at its timeout.
    pub(crate) status: Option<ExitStatus>,
    /// Its stdout, line by line, without line endings.
    pub(crate) lines: Vec<String>,
    /// When the first line arrived, counted from just before it was started.
    pub(crate) first_line: Option<Duration>,
    /// Its stderr (empty when it was shown to the user instead).
    pub(crate) stderr: String,
    /// From just before it was started to its exit being seen.
    pub(crate) wall: Duration,
    /// The time limit it had.
    pub(crate) timeout: Duration,
}

impl Cmd {
    /// `program`, with no arguments yet and a one-minute time limit.
    pub(crate) fn new(program: impl AsRef<OsStr>) -> Self {
        Cmd {
            command: Command::new(program),
            timeout: Duration::from_secs(60),
            show_stderr: false,
            each_line: None,
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

    /// Sets the environment variable `key` of the program to `value`, or removes it (`None`).
    pub(crate) fn env(mut self, key: &str, value: Option<&OsStr>) -> Self {
        match value {
            Some(value) => self.command.env(key, value),
            None => self.command.env_remove(key),
        };
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

    /// Calls `each_line` with every line of the program's stdout as it arrives (to show a long
    /// child's progress).
    pub(crate) fn each_line(mut self, each_line: impl FnMut(&str) + 'static) -> Self {
        self.each_line = Some(Box::new(each_line));
        self
    }

    /// Runs the program to its end or its timeout; fails only when it cannot be started.
    ///
    /// All on the calling thread (`poll` on stdout, then the exit): a helper thread per child
    /// would compete with the child's own start on a loaded machine.
    pub(crate) fn run(mut self) -> anyhow::Result<Ran> {
        let shown = self.to_string();
        // A file, not a pipe: it never fills up, so nothing has to drain it.
        let mut stderr_file = None;
        let stderr = if self.show_stderr {
            Stdio::inherit()
        } else {
            let file = tempfile::tempfile().context("could not create a file for stderr")?;
            let stdio = Stdio::from(file.try_clone().context("could not share that file")?);
            stderr_file = Some(file);
            stdio
        };
        self.command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        let started = Instant::now();
        let deadline = started + self.timeout;
        let mut child = self
            .command
            .spawn()
            .with_context(|| format!("could not start `{shown}`"))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (lines, first_line, finished) =
            read_lines(stdout, started, deadline, self.each_line.as_mut())
                .with_context(|| format!("could not read the output of `{shown}`"))?;
        let waited = if finished {
            child
                .wait_timeout(deadline.saturating_duration_since(Instant::now()))
                .ok()
                .flatten()
        } else {
            None
        };
        let wall = started.elapsed();
        if waited.is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let mut stderr = Vec::new();
        if let Some(mut file) = stderr_file {
            let _ = file.rewind().and_then(|()| file.read_to_end(&mut stderr));
        }
        Ok(Ran {
            status: waited,
            lines,
            first_line,
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            wall,
            timeout: self.timeout,
        })
    }

    /// Runs the program and returns its stdout, trimmed; fails when it does not succeed.
    pub(crate) fn read(self) -> anyhow::Result<String> {
        let shown = self.to_string();
        let ran = self.run()?;
        if !ran.success() {
            bail!("`{shown}` failed: {}", ran.failure());
        }
        Ok(ran.lines.join("\n").trim().to_owned())
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
}

/// Reads `stdout` until it closes or `deadline` passes, stamping the first line's arrival
/// (counted from `started`); says whether it closed in time.
fn read_lines(
    mut stdout: ChildStdout,
    started: Instant,
    deadline: Instant,
    mut each_line: Option<&mut EachLine>,
) -> io::Result<(Vec<String>, Option<Duration>, bool)> {
    let (mut lines, mut first_line) = (Vec::new(), None);
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = [0_u8; 8192];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok((lines, first_line, false));
        }
        // A time too long for a `Timespec` is none: no limit.
        let timeout = Timespec::try_from(left).ok();
        match poll(&mut [PollFd::new(&stdout, PollFlags::IN)], timeout.as_ref()) {
            Ok(0) | Err(Errno::INTR) => continue,
            Ok(_) => {}
            Err(err) => return Err(err.into()),
        }
        let read = match stdout.read(&mut chunk) {
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        let at = started.elapsed();
        if read == 0 {
            if !pending.is_empty() {
                first_line.get_or_insert(at);
                lines.push(line(&pending));
            }
            return Ok((lines, first_line, true));
        }
        pending.extend_from_slice(&chunk[..read]);
        while let Some(end) = pending.iter().position(|byte| *byte == b'\n') {
            first_line.get_or_insert(at);
            lines.push(line(&pending[..end]));
            pending.drain(..=end);
            if let Some(each_line) = each_line.as_mut() {
                each_line(&lines[lines.len() - 1]);
            }
        }
    }
}

fn line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_end_matches('\r')
        .to_owned()
}

/// `script` run by `sh`, for tests.
#[cfg(test)]
pub(crate) fn sh(script: &str) -> Ran {
    Cmd::new("sh").args(["-c", script]).run().unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_lines_and_status() {
        let ran = sh("echo one; echo two; echo oops >&2; exit 3");
        assert_eq!(ran.lines, ["one", "two"]);
        assert!(ran.first_line.is_some_and(|at| at <= ran.wall));
        assert!(!ran.success());
        assert_eq!(ran.failure(), "exit status: 3: oops");
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
