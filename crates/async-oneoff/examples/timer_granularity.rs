//! How long a short sleep really takes: tokio's timer (millisecond granularity) beside
//! `async-io`'s, both on oneoff's tokio backend, for the same requested delays. The figures in
//! `docs/pitfalls.md` come from
//! `cargo run --release -q -p async-oneoff --features tokio --example timer_granularity`.

use std::time::{Duration, Instant};

/// Sleeps measured per requested delay; the median is printed.
const ROUNDS: usize = 101;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn main() -> Result<(), oneoff::Error> {
    let runner = oneoff::Tokio::new()?;
    println!(
        "requested   tokio::time::sleep   async_io::Timer   (median of {ROUNDS}, on oneoff::Tokio)"
    );
    for requested in [10, 100, 500, 1_000, 1_500].map(Duration::from_micros) {
        let (tokio_sleeps, async_io_sleeps) = runner.block_on(async {
            let (mut tokio_sleeps, mut async_io_sleeps) = (Vec::new(), Vec::new());
            for _ in 0..ROUNDS {
                let start = Instant::now();
                tokio::time::sleep(requested).await;
                tokio_sleeps.push(start.elapsed());
                let start = Instant::now();
                async_io::Timer::after(requested).await;
                async_io_sleeps.push(start.elapsed());
            }
            (tokio_sleeps, async_io_sleeps)
        })?;
        println!(
            "{:>9.3?}   {:>18.3?}   {:>15.3?}",
            requested,
            median(tokio_sleeps),
            median(async_io_sleeps)
        );
    }
    Ok(())
}
