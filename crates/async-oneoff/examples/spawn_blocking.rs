//! Synchronous code inside a tokio program: where it may block, oneoff runs the future; where
//! it would stall the runtime, oneoff refuses. tokio's advice is to put blocking code into
//! `spawn_blocking`, and a oneoff call there gets its result on a fresh runtime of the backend
//! the features select, even for a future that needs tokio's timer (the outer runtime drives
//! it). Nothing panics and nothing is printed on stderr, with either panic strategy.
//!
//! `cargo run -q -p async-oneoff --example spawn_blocking` prints:
//!
//! ```text
//! Main is running
//! In async code: oneoff refuses to block (.await the future instead)
//! In spawn_blocking: got 10000
//! Main is done
//! ```

// [dependencies] async-oneoff = "0.1"; tokio = { version = "1", features = ["rt", "macros", "time"] }
use std::time::Duration;

async fn work(arg: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    arg * 100
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("Main is running");
    match oneoff::run(work(100)) {
        Err(err @ oneoff::Error::Nested { .. }) if err.to_string().contains(".await") => {
            println!("In async code: oneoff refuses to block (.await the future instead)")
        }
        other => println!("In async code: unexpected {other:?}"),
    }
    let result = tokio::task::spawn_blocking(|| oneoff::run(work(100))).await??;
    println!("In spawn_blocking: got {result}");
    println!("Main is done");
    Ok(())
}
