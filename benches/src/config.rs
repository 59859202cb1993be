//! The criterion configuration every bench file uses: full or quick.

use std::time::Duration;

use criterion::Criterion;

/// The environment variable that selects the quick mode: set to anything but `0` or nothing.
pub const QUICK_ENV: &str = "ONEOFF_BENCH_QUICK";

/// The criterion configuration of every bench file: full by default, quick when
/// [`QUICK_ENV`] is set. Command-line flags (`--warm-up-time`, `--measurement-time`, ...)
/// still override both.
///
/// The full mode keeps a whole `cargo bench` (about 150 benchmarks) within 15 minutes on a
/// 2-core machine: 0.5 s of warm-up and 3 s of measurement each instead of criterion's 3 s and
/// 5 s, and 20 000 bootstrap resamples instead of 100 000 (the analysis, single-threaded here,
/// otherwise takes about a second per benchmark). The quick mode (0.2 s and 0.5 s, 20 samples)
/// is for a first look and finishes within 3 minutes; its figures are noisier.
///
/// # Examples
///
/// ```no_run
/// // In a bench file, this is the `config` of `criterion_group!`.
/// let mut criterion = oneoff_benches::criterion();
/// criterion.bench_function("example/none/floor", |b| b.iter(|| 1 + 1));
/// ```
pub fn criterion() -> Criterion {
    let criterion = Criterion::default();
    if quick() {
        criterion
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(500))
            .sample_size(20)
            .nresamples(20_000)
    } else {
        criterion
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3))
            .nresamples(20_000)
    }
}

/// Whether the quick mode is on: [`QUICK_ENV`] set to anything but `0` or nothing.
pub(crate) fn quick() -> bool {
    std::env::var_os(QUICK_ENV).is_some_and(|value| !value.is_empty() && value != "0")
}
