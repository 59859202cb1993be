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

use oneoff_workloads::work;

fn main() -> Result<(), oneoff::Error> {
    println!("Main is running");
    {
        let runner = oneoff::Runner::new()?;
        runner.block_on(work(100))?;
    } // The runner is dropped here, which tears its runtime down.
    println!("Main is done");
    Ok(())
}
