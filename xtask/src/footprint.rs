//! `cargo xtask footprint`: what each backend adds to a program. For every backend feature of
//! the facade (read from its one list of backends) it builds a minimal program that runs one
//! future through `oneoff::run` with that feature alone, plus one with the facade's default
//! features, and the same "get one async result" program written directly against the peers a
//! user would otherwise pick (`pollster::block_on`, `futures_lite::future::block_on`, a tokio
//! `rt` current-thread `block_on`), each from a clean target directory, in release mode with
//! symbols stripped, and reports the binary size added over a std-only program, the clean build
//! time and the number of crates compiled, all in one run.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::backends::{self, BackendName};
use crate::cmd::Cmd;

/// The flags of `cargo xtask footprint`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Backends to measure, comma-separated (default: all); the std-only baseline and the
    /// facade's default features always run.
    #[arg(long, value_delimiter = ',', value_parser = backends::parse)]
    backends: Vec<BackendName>,
    /// Where to write footprint.json and footprint.md (relative to the workspace root).
    #[arg(long, default_value = "target/oneoff")]
    out: PathBuf,
}

/// A program measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Program {
    /// No oneoff at all: the baseline.
    StdOnly,
    /// The facade with its default features, as `async-oneoff = "0.1"` gives it.
    Default,
    /// The facade with one backend feature alone (`default-features = false`).
    Feature(&'static str),
    /// No oneoff: the same program written against a peer directly.
    Direct(Peer),
}

/// A crate users reach for instead of oneoff to get one async result from sync code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Peer {
    Pollster,
    FuturesLite,
    TokioRt,
}

impl Peer {
    const ALL: [Peer; 3] = [Peer::Pollster, Peer::FuturesLite, Peer::TokioRt];

    /// Its dependency line, at the version the workspace locks.
    fn dependency(self) -> &'static str {
        match self {
            Peer::Pollster => "pollster = \"1.0\"\n",
            Peer::FuturesLite => "futures-lite = \"2.6\"\n",
            Peer::TokioRt => {
                "tokio = { version = \"1.54\", default-features = false, features = [\"rt\"] }\n"
            }
        }
    }

    /// The expression that runs `async { std::hint::black_box(42) }` to completion.
    fn block_on(self) -> &'static str {
        match self {
            Peer::Pollster => "pollster::block_on(async { std::hint::black_box(42) })",
            Peer::FuturesLite => {
                "futures_lite::future::block_on(async { std::hint::black_box(42) })"
            }
            Peer::TokioRt => {
                "tokio::runtime::Builder::new_current_thread()\n        .build()\n        \
                 .unwrap()\n        .block_on(async { std::hint::black_box(42) })"
            }
        }
    }
}

impl Program {
    fn name(self) -> &'static str {
        match self {
            Program::StdOnly => "std-only",
            Program::Default => "default",
            Program::Feature(feature) => feature,
            Program::Direct(Peer::Pollster) => "direct-pollster",
            Program::Direct(Peer::FuturesLite) => "direct-futures-lite",
            Program::Direct(Peer::TokioRt) => "direct-tokio-rt",
        }
    }

    /// Its dependency line, if it has one.
    fn dependency(self, facade: &Path) -> Option<String> {
        let features = match self {
            Program::StdOnly => return None,
            Program::Direct(peer) => return Some(peer.dependency().to_owned()),
            Program::Default => String::new(),
            Program::Feature(feature) => {
                format!(", default-features = false, features = [{feature:?}]")
            }
        };
        Some(format!(
            "async-oneoff = {{ path = {facade:?}{features} }}\n"
        ))
    }
}

/// The programs to build: the baseline, the default features, then each backend feature
/// asked for (all by default), each once, then the peers used directly.
fn programs(only: &[BackendName]) -> Vec<Program> {
    let mut programs = vec![Program::StdOnly, Program::Default];
    for feature in backends::features() {
        let wanted = only.is_empty() || only.iter().any(|b| b.feature() == feature);
        if wanted {
            programs.push(Program::Feature(feature));
        }
    }
    programs.extend(Peer::ALL.map(Program::Direct));
    programs
}

/// One program's footprint.
#[derive(Debug, Serialize)]
pub(crate) struct Footprint {
    /// The backend, or `std-only` for the baseline.
    pub(crate) program: String,
    /// Size of the stripped release binary, in bytes.
    pub(crate) binary_bytes: u64,
    /// Bytes over the std-only program.
    pub(crate) added_bytes: i64,
    /// Wall time of a release build from a clean target directory (dependencies downloaded).
    pub(crate) clean_build_secs: f64,
    /// Crates compiled for it, the program itself included.
    pub(crate) crates_compiled: usize,
}

/// Runs the command: measures, prints the table, writes the files.
pub(crate) fn run(args: Args) -> Result<()> {
    let root = crate::workspace::root();
    let out = root.join(&args.out);
    let results = measure(&root, &out, &args.backends)?;
    print!("{}", markdown(&results));
    eprintln!(
        "wrote {} and footprint.md",
        out.join("footprint.json").display()
    );
    Ok(())
}

/// Measures the programs for `only` (all backends when empty) and writes `footprint.json` and
/// `footprint.md` into `out`.
fn measure(root: &Path, out: &Path, only: &[BackendName]) -> Result<Vec<Footprint>> {
    let work = root.join("target/oneoff/footprint");
    let mut results = Vec::new();
    let mut baseline = None;
    for program in programs(only) {
        eprintln!(
            "footprint: building {} from a clean target directory ...",
            program.name()
        );
        let dir = write_program(root, &work, program)?;
        let (binary_bytes, clean_build, crates_compiled) = build(&dir, program.name())?;
        let base = *baseline.get_or_insert(binary_bytes);
        results.push(Footprint {
            program: program.name().to_owned(),
            binary_bytes,
            added_bytes: binary_bytes as i64 - base as i64,
            clean_build_secs: clean_build.as_secs_f64(),
            crates_compiled,
        });
    }
    fs::create_dir_all(out)?;
    fs::write(
        out.join("footprint.json"),
        serde_json::to_string_pretty(&results)?,
    )?;
    fs::write(out.join("footprint.md"), markdown(&results))?;
    Ok(results)
}

/// Writes the program's own one-package workspace, pinned to the repository's `Cargo.lock`.
fn write_program(root: &Path, work: &Path, program: Program) -> Result<PathBuf> {
    let dir = work.join(program.name());
    fs::create_dir_all(dir.join("src"))?;
    let crate_name = format!("footprint-{}", program.name());
    let dependency = program
        .dependency(&root.join("crates/async-oneoff"))
        .unwrap_or_default();
    // `oneoff::run` uses the one backend the program enables (the default one for `default`).
    let answer = match program {
        Program::StdOnly => "std::hint::black_box(42)".to_owned(),
        Program::Default | Program::Feature(_) => {
            "oneoff::run(async { std::hint::black_box(42) }).unwrap()".to_owned()
        }
        Program::Direct(peer) => peer.block_on().to_owned(),
    };
    let main = format!(
        "fn main() {{\n    let answer = {answer};\n    std::process::exit(answer - 42);\n}}\n"
    );
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = {crate_name:?}\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{dependency}\n[profile.release]\nstrip = true\n\n[workspace]\n"
        ),
    )?;
    fs::write(dir.join("src/main.rs"), main)?;
    fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    Ok(dir)
}

/// Builds `dir` in release mode from a clean target directory: binary size, wall time, crates.
fn build(dir: &Path, program: &str) -> Result<(u64, Duration, usize)> {
    let target = dir.join("target");
    if target.exists() {
        fs::remove_dir_all(&target)?;
    }
    // The target directory is named, so that a CARGO_TARGET_DIR in the environment (a shared
    // build cache) cannot turn the clean build into a cached one.
    let ran = Cmd::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--message-format=json",
            "--target-dir",
        ])
        .args([&target])
        .dir(dir)
        .timeout(Duration::from_secs(1800))
        .run()?;
    if !ran.success() {
        bail!(
            "building the {program} footprint program failed: {}",
            ran.failure()
        );
    }
    let mut packages: Vec<String> = ran
        .lines
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line.text).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter_map(|message| message["package_id"].as_str().map(str::to_owned))
        .collect();
    packages.sort();
    packages.dedup();
    let binary = target.join("release").join(format!("footprint-{program}"));
    let size = fs::metadata(&binary)
        .with_context(|| format!("no binary at {}", binary.display()))?
        .len();
    Ok((size, ran.wall, packages.len()))
}

fn markdown(results: &[Footprint]) -> String {
    let build_of = |name: &str| {
        results
            .iter()
            .find(|r| r.program == name)
            .map(|r| r.clean_build_secs)
    };
    let mut md = String::from(
        "| program | stripped binary | added over std-only | clean release build | crates compiled |\n\
         |---|---:|---:|---:|---:|\n",
    );
    for r in results {
        let _ = writeln!(
            md,
            "| {} | {:.0} KiB | {:+.0} KiB | {:.1} s | {} |",
            r.program,
            r.binary_bytes as f64 / 1024.0,
            r.added_bytes as f64 / 1024.0,
            r.clean_build_secs,
            r.crates_compiled
        );
    }
    if let (Some(default), Some(tokio)) = (build_of("default"), build_of("direct-tokio-rt")) {
        let _ = writeln!(
            md,
            "\nThe default features' clean build took {:.2}x the tokio `rt` program's in this run.",
            default / tokio
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_per_backend_feature_after_the_baselines() {
        let all = programs(&[]);
        assert_eq!(all[..2], [Program::StdOnly, Program::Default]);
        let peers = all.len() - Peer::ALL.len();
        let features: Vec<&str> = all[2..peers].iter().map(|p| p.name()).collect();
        assert_eq!(features, backends::features());
        assert_eq!(all[peers..], Peer::ALL.map(Program::Direct));
        let tokio_mt = backends::parse("tokio-mt").unwrap();
        assert_eq!(
            programs(&[tokio_mt])[..3],
            [
                Program::StdOnly,
                Program::Default,
                Program::Feature("tokio")
            ]
        );
    }

    #[test]
    fn a_backend_program_has_that_feature_alone() {
        let line = Program::Feature("smol")
            .dependency(Path::new("/x/oneoff"))
            .unwrap();
        assert_eq!(
            line,
            "async-oneoff = { path = \"/x/oneoff\", default-features = false, features = [\"smol\"] }\n"
        );
        assert!(Program::StdOnly.dependency(Path::new("/x")).is_none());
        let tokio = Program::Direct(Peer::TokioRt).dependency(Path::new("/x"));
        assert!(tokio.unwrap().contains("features = [\"rt\"]"));
    }
}
