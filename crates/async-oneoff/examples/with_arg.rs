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

use oneoff_workloads::work;

fn main() -> Result<(), oneoff::Error> {
    println!("Main is running");
    let result = oneoff::run_with(work, 100)?;
    println!("Main got result: {result}");
    println!("Main is done");
    Ok(())
}
