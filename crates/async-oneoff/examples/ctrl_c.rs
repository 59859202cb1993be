//! Ctrl-C during a run, like Python's `asyncio.Runner.run`: the first Ctrl-C drops the future,
//! so its destructors run (here a clean-up that takes a while), and the run returns
//! `Error::Interrupted`; a second Ctrl-C while the clean-up runs ends the process at once, as
//! the default handler would; after the run, Ctrl-C does what it did before (here: ends the
//! program). Unix, with the `ctrl-c` feature.
//!
//! `cargo run -q -p async-oneoff --features ctrl-c --example ctrl_c`, then Ctrl-C, prints:
//!
//! ```text
//! Working; press Ctrl-C to stop
//! Cleaning up
//! Cleaned up
//! Stopped: the run on futures-lite was interrupted by Ctrl-C (SIGINT) and its future was dropped; press Ctrl-C twice to end the process at once
//! Ctrl-C ends the program again, as before the run
//! ```
//!
//! `--cleanup-ms N` sets how long the clean-up takes (default 500).

// [dependencies] async-oneoff = { version = "0.1", features = ["ctrl-c"] }; async-io = "2"
use std::io::Write;
use std::time::Duration;

/// Cleans up when dropped: what a future's destructors do when Ctrl-C cancels it.
struct CleanUp(Duration);

impl Drop for CleanUp {
    fn drop(&mut self) {
        say("Cleaning up");
        std::thread::sleep(self.0);
        say("Cleaned up");
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

fn main() {
    let cleanup_ms = std::env::args()
        .skip_while(|arg| arg != "--cleanup-ms")
        .nth(1)
        .map_or(500, |ms| {
            ms.parse().expect("--cleanup-ms takes milliseconds")
        });
    let work = async move {
        let _cleanup = CleanUp(Duration::from_millis(cleanup_ms));
        say("Working; press Ctrl-C to stop");
        async_io::Timer::after(Duration::from_secs(60)).await;
    };
    match oneoff::Options::new().ctrl_c(true).run(work) {
        Ok(()) => say("Finished without Ctrl-C"),
        Err(err) => say(&format!("Stopped: {err}")),
    }
    say("Ctrl-C ends the program again, as before the run");
    std::thread::sleep(Duration::from_secs(60));
}
