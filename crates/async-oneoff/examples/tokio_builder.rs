//! tokio with options: a multi-thread runner built like tokio's `Builder` (worker threads,
//! thread names), a runtime the program already had adopted as a runner, and the bounded
//! teardown that leaves a stuck `spawn_blocking` job running instead of waiting for it (and
//! says so through `log`; this example prints oneoff's log records).
//!
//! `cargo run -q -p async-oneoff --features tokio --example tokio_builder` prints:
//!
//! ```text
//! Workers are named app-worker
//! The adopted runtime answered 42
//! oneoff warned: tokio: teardown waited for the blocking pool
//! The run returned; the blocking job still runs: true
//! ```

// [dependencies] async-oneoff = { version = "0.1", features = ["tokio"] }; tokio = { version = "1", features = ["rt"] }; log = "0.4"
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Prints the first words of oneoff's warnings (the rest carries timings that vary).
struct Print;

impl log::Log for Print {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target() == "oneoff"
    }

    fn log(&self, record: &log::Record<'_>) {
        let message = record.args().to_string();
        if let Some((start, _)) = message.split_once(" waited") {
            println!("oneoff warned: {start} waited for the blocking pool");
        }
    }

    fn flush(&self) {}
}

fn main() -> Result<(), oneoff::Error> {
    log::set_logger(&Print).expect("no other logger");
    log::set_max_level(log::LevelFilter::Warn);

    let runner = oneoff::TokioMultiThread::builder()
        .worker_threads(2)
        .thread_name("app-worker")
        .build()?;
    let name = runner.block_on(async {
        tokio::spawn(async { std::thread::current().name().map(str::to_owned) }).await
    })?;
    println!("Workers are named {}", name.unwrap().unwrap_or_default());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let adopted = oneoff::Tokio::from_runtime(runtime)?;
    println!(
        "The adopted runtime answered {}",
        adopted.block_on(async { 6 * 7 })?
    );

    let finished = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&finished);
    oneoff::Tokio::builder()
        .shutdown_timeout(Duration::from_millis(200))
        .run(async move {
            // Started and never awaited: tokio alone would wait for it on teardown.
            drop(tokio::task::spawn_blocking(move || {
                std::thread::sleep(Duration::from_secs(2));
                flag.store(true, Ordering::SeqCst);
            }));
        })?;
    let still_runs = !finished.load(Ordering::SeqCst);
    println!("The run returned; the blocking job still runs: {still_runs}");
    Ok(())
}
