//! The classic one-off example: run one coroutine from sync code on a fresh runtime, like
//! Python's `asyncio.run(work())`. The backend is whichever the cargo features select.
//!
//! `cargo run -q -p async-oneoff --example run` prints, one second apart where the coroutine sleeps:
//!
//! ```text
//! Main is running
//! Coroutine has started
//! Coroutine is done
//! Main is done
//! ```

// [dependencies] async-oneoff = "0.1"; async-io = "2"
use std::time::Duration;

/// The classic coroutine: reports that it started, waits a second, reports that it is done
/// and returns its argument times 100. `async-io`'s timer runs under every backend.
async fn work(arg: u64) -> u64 {
    println!("Coroutine has started");
    async_io::Timer::after(Duration::from_secs(1)).await;
    println!("Coroutine is done");
    arg * 100
}

fn main() -> Result<(), oneoff::Error> {
    println!("Main is running");
    oneoff::run(work(100))?;
    println!("Main is done");
    Ok(())
}
