//! Where and on what the figures were measured, recorded beside them: host, CPU, OS, rustc,
//! the runtime crates' versions from `Cargo.lock`, git revision, date and the exact command.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::cmd::Cmd;

/// Crates that decide the figures but that no backend crate names directly: smol's and
/// async-std's executors, and the async-io reactor.
const BEHIND_THE_RUNTIMES: &[&str] = &["async-executor", "async-global-executor", "async-io"];

/// Our crates that `oneoff` depends on and that are no backend.
const NOT_BACKENDS: &[&str] = &[
    "async-oneoff-core",
    "async-oneoff-macros",
    "oneoff-workloads",
];

/// The machine and the code behind a report.
#[derive(Debug, Serialize)]
pub(crate) struct Environment {
    /// The machine's host name.
    pub(crate) host: String,
    /// The CPU model, as the OS names it.
    pub(crate) cpu: String,
    /// Cores available to this process.
    pub(crate) cores: usize,
    /// The operating system, its kernel and the architecture.
    pub(crate) os: String,
    /// `rustc --version`.
    pub(crate) rustc: String,
    /// Version of each runtime crate in `Cargo.lock`.
    pub(crate) crates: BTreeMap<String, String>,
    /// The git revision of the workspace, `-dirty` when it has uncommitted changes.
    pub(crate) git_revision: String,
    /// When the report was made (UTC).
    pub(crate) date: String,
    /// The command that made it.
    pub(crate) command: String,
}

/// Collects the environment; fails only when `Cargo.lock` cannot be read.
pub(crate) fn gather(root: &Path) -> anyhow::Result<Environment> {
    let quick = Duration::from_secs(20);
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let unknown = |err: anyhow::Error| format!("unknown ({err:#})");
    Ok(Environment {
        host: read_value("/proc/sys/kernel/hostname", |line| Some(line))
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "unknown".into()),
        cpu: read_value("/proc/cpuinfo", |line| {
            line.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, model)| model)
        })
        .unwrap_or_else(|| "unknown".into()),
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        os: os(),
        rustc: Cmd::new(rustc)
            .args(["--version"])
            .timeout(quick)
            .read()
            .unwrap_or_else(unknown),
        crates: locked_versions(&root.join("Cargo.lock"))?,
        // The revision itself, never a tag's name, `-dirty` after it when a tracked file changed.
        git_revision: Cmd::new("git")
            .args(["describe", "--always", "--dirty"])
            .args(["--abbrev=12", "--exclude=*"])
            .dir(root)
            .timeout(quick)
            .read()
            .unwrap_or_else(unknown),
        date: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        command: command_line(),
    })
}

/// The first line of the file at `path` that `pick` finds a value in, trimmed and unquoted.
fn read_value(path: &str, pick: impl Fn(&str) -> Option<&str>) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    let value = text.lines().find_map(pick)?.trim().trim_matches('"');
    Some(value.to_owned()).filter(|value| !value.is_empty())
}

fn os() -> String {
    let name = read_value("/etc/os-release", |line| line.strip_prefix("PRETTY_NAME="))
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    match read_value("/proc/sys/kernel/osrelease", |line| Some(line)) {
        Some(kernel) => format!("{name}, kernel {kernel}, {}", std::env::consts::ARCH),
        None => format!("{name}, {}", std::env::consts::ARCH),
    }
}

/// `cargo xtask` and the arguments as given, quoted where a shell would need it.
fn command_line() -> String {
    let mut line = String::from("cargo xtask");
    for arg in std::env::args().skip(1) {
        line.push(' ');
        if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || "'\"$\\".contains(c)) {
            line.push_str(&format!("'{}'", arg.replace('\'', r"'\''")));
        } else {
            line.push_str(&arg);
        }
    }
    line
}

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
    #[serde(default)]
    dependencies: Vec<String>,
}

/// The versions of the runtime crates in the lockfile: every dependency of a backend crate (so
/// that a new backend's runtime needs no edit here) and [`BEHIND_THE_RUNTIMES`], each version.
fn locked_versions(lockfile: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text = fs::read_to_string(lockfile)
        .with_context(|| format!("could not read {}", lockfile.display()))?;
    let lock: Lockfile =
        toml::from_str(&text).with_context(|| format!("could not parse {}", lockfile.display()))?;
    // A dependency is "name" or "name version" when several versions are locked.
    let name = |dependency: &String| dependency.split(' ').next().unwrap_or_default().to_owned();
    let dependencies_of = |package: &str| -> Vec<String> {
        lock.package
            .iter()
            .filter(|locked| locked.name == package)
            .flat_map(|locked| locked.dependencies.iter().map(name))
            .collect()
    };
    let backends: Vec<String> = dependencies_of("async-oneoff")
        .into_iter()
        .filter(|dep| dep.starts_with("async-oneoff-") && !NOT_BACKENDS.contains(&dep.as_str()))
        .collect();
    let mut runtimes: Vec<String> = backends
        .iter()
        .flat_map(|backend| dependencies_of(backend))
        .filter(|dep| !dep.starts_with("async-oneoff-") && !dep.starts_with("oneoff-"))
        .collect();
    runtimes.extend(BEHIND_THE_RUNTIMES.iter().map(|name| (*name).to_owned()));
    let mut versions: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for package in lock.package.iter().filter(|p| runtimes.contains(&p.name)) {
        let known = versions.entry(package.name.clone()).or_default();
        known.push(&package.version);
    }
    Ok(versions
        .into_iter()
        .map(|(name, all)| (name, all.join(", ")))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_workspace_lockfile() {
        let versions = locked_versions(&crate::workspace::root().join("Cargo.lock")).unwrap();
        for name in [
            "tokio",
            "smol",
            "futures-lite",
            "pollster",
            "async-std",
            "async-io",
            "async-executor",
        ] {
            assert!(
                versions.contains_key(name),
                "{name} missing from {versions:?}"
            );
        }
        assert!(
            versions.keys().all(|name| !name.contains("oneoff")),
            "{versions:?}"
        );
    }
}
