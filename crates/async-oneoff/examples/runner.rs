//! The classic one-off example through a reusable runner, like Python's
//! `with asyncio.Runner() as runner: runner.run(work())`: the runtime is started once, kept for
//! as many runs as needed, and torn down when the runner is dropped.
//!
//! `cargo run -q -p async-oneoff --example runner` prints, one second apart where the coroutine sleeps:
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
    {
        let runner = oneoff::Runner::new()?;
        runner.block_on(work(100))?;
    } // The runner is dropped here, which tears its runtime down.
    println!("Main is done");
    Ok(())
}
