//! The classic one-off example with an argument and a result: `run_with(work, 100)` is Python's
//! `asyncio.run(work(100))`, and the coroutine returns `100 * 100`.
//!
//! `cargo run -q -p async-oneoff --example with_arg` prints, one second apart where the coroutine
//! sleeps:
//!
//! ```text
//! Main is running
//! Coroutine has started
//! Coroutine is done
//! Main got result: 10000
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
    let result = oneoff::run_with(work, 100)?;
    println!("Main got result: {result}");
    println!("Main is done");
    Ok(())
}
