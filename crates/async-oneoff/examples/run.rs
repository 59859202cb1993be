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

use oneoff_workloads::work;

fn main() -> Result<(), oneoff::Error> {
    println!("Main is running");
    oneoff::run(work(100))?;
    println!("Main is done");
    Ok(())
}
