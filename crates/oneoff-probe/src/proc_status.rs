//! The process's own footprint, as Linux reports it in `/proc/self/status`; elsewhere the
//! figures are absent (`None`) rather than guessed.

use std::fs;

/// The OS threads of this process, alive now.
pub(crate) fn threads() -> Option<u64> {
    field("Threads:")
}

/// The peak resident set size of this process so far, in KiB.
pub(crate) fn peak_rss_kib() -> Option<u64> {
    field("VmHWM:")
}

/// The first number after `name` in `/proc/self/status`.
fn field(name: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn reads_this_process() {
        assert!(super::threads().unwrap() >= 1);
        assert!(super::peak_rss_kib().unwrap() > 0);
    }
}
