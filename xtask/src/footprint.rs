//! `cargo xtask footprint`: what each backend adds to a program. It builds a minimal program
//! that runs one future through `oneoff::run` with each backend feature alone, with the default
//! features, and directly on the peers a user would otherwise pick, each in release mode from a
//! clean target directory, and reports the binary size added over a std-only program, the clean
//! build time and the crates compiled.

use std::collections::BTreeSet;
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
pub(crate) struct FootprintArgs {
    /// Backends to measure, comma-separated (default: all); the std-only baseline and the
    /// facade's default features always run.
    #[arg(long, value_delimiter = ',', value_parser = backends::parse)]
    backends: Vec<BackendName>,
    /// Where to write footprint.json and footprint.md (relative to the workspace root).
    #[arg(long, default_value = "target/oneoff")]
    out: PathBuf,
}

/// A program measured: its name, its dependency line and the expression that gets its answer.
#[derive(Debug)]
struct Program {
    name: &'static str,
    dependency: String,
    answer: &'static str,
}

/// The crates users reach for instead of oneoff, used directly: the program's name, its
/// dependency at the version the workspace locks, and its expression.
const PEERS: [(&str, &str, &str); 3] = [
    (
        "direct-pollster",
        "pollster = \"1.0\"",
        "pollster::block_on(async { std::hint::black_box(42) })",
    ),
    (
        "direct-futures-lite",
        "futures-lite = \"2.6\"",
        "futures_lite::future::block_on(async { std::hint::black_box(42) })",
    ),
    (
        "direct-tokio-rt",
        "tokio = { version = \"1.54\", default-features = false, features = [\"rt\"] }",
        "tokio::runtime::Builder::new_current_thread()\n        .build()\n        \
         .unwrap()\n        .block_on(async { std::hint::black_box(42) })",
    ),
];

/// The programs to build: the std-only baseline, the facade (at `facade`) with its defaults,
/// with each backend feature asked for (all by default) alone, then the [`PEERS`].
fn programs(only: &[BackendName], facade: &Path) -> Vec<Program> {
    let oneoff = |name, features: String| Program {
        name,
        dependency: format!("async-oneoff = {{ path = {facade:?}{features} }}"),
        answer: "oneoff::run(async { std::hint::black_box(42) }).unwrap()",
    };
    let std_only = Program {
        name: "std-only",
        dependency: String::new(),
        answer: "std::hint::black_box(42)",
    };
    let mut programs = vec![std_only, oneoff("default", String::new())];
    for feature in backends::features() {
        if only.is_empty() || only.iter().any(|b| b.feature() == feature) {
            let alone = format!(", default-features = false, features = [{feature:?}]");
            programs.push(oneoff(feature, alone));
        }
    }
    programs.extend(PEERS.map(|(name, dependency, answer)| Program {
        name,
        dependency: dependency.to_owned(),
        answer,
    }));
    programs
}

/// One program's footprint.
#[derive(Debug, Serialize)]
pub(crate) struct Footprint {
    /// The backend, or `std-only` for the baseline.
    pub(crate) program: &'static str,
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
pub(crate) fn run(args: FootprintArgs) -> Result<()> {
    let root = crate::workspace::root();
    let out = root.join(&args.out);
    let results = measure(&root, &args.backends)?;
    let markdown = markdown(&results);
    fs::create_dir_all(&out)?;
    let json = serde_json::to_string_pretty(&results)?;
    fs::write(out.join("footprint.json"), json)?;
    fs::write(out.join("footprint.md"), &markdown)?;
    print!("{markdown}");
    eprintln!(
        "wrote {} and footprint.md",
        out.join("footprint.json").display()
    );
    Ok(())
}

/// Measures the programs for `only`.
fn measure(root: &Path, only: &[BackendName]) -> Result<Vec<Footprint>> {
    let work = root.join("target/oneoff/footprint");
    let mut results = Vec::new();
    let mut baseline = None;
    for program in programs(only, &root.join("crates/async-oneoff")) {
        eprintln!(
            "footprint: building {} from a clean target directory ...",
            program.name
        );
        let dir = write_program(root, &work, &program)?;
        let (binary_bytes, clean_build, crates_compiled) = build(&dir, program.name)?;
        let base = *baseline.get_or_insert(binary_bytes);
        results.push(Footprint {
            program: program.name,
            binary_bytes,
            added_bytes: binary_bytes as i64 - base as i64,
            clean_build_secs: clean_build.as_secs_f64(),
            crates_compiled,
        });
    }
    Ok(results)
}

/// Writes the program's own one-package workspace, pinned to the repository's `Cargo.lock`.
fn write_program(root: &Path, work: &Path, program: &Program) -> Result<PathBuf> {
    let Program {
        name,
        dependency,
        answer,
    } = program;
    let dir = work.join(name);
    fs::create_dir_all(dir.join("src"))?;
    let main = format!(
        "fn main() {{\n    let answer = {answer};\n    std::process::exit(answer - 42);\n}}\n"
    );
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"footprint-{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{dependency}\n\n[profile.release]\nstrip = true\n\n[workspace]\n"
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
    // Named, so that a CARGO_TARGET_DIR in the environment cannot make the build a cached one.
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
    let packages: BTreeSet<String> = ran
        .lines
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter_map(|message| message["package_id"].as_str().map(str::to_owned))
        .collect();
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
        let names = |only: &[BackendName]| -> Vec<&str> {
            let programs = programs(only, Path::new("/x"));
            programs.into_iter().map(|p| p.name).collect()
        };
        let all = names(&[]);
        assert_eq!(all[..2], ["std-only", "default"]);
        let peers = all.len() - PEERS.len();
        assert_eq!(all[2..peers], backends::features());
        assert_eq!(all[peers..], PEERS.map(|peer| peer.0));
        let tokio_mt = backends::parse("tokio-mt").unwrap();
        assert_eq!(names(&[tokio_mt])[..3], ["std-only", "default", "tokio"]);
    }

    #[test]
    fn a_backend_program_has_that_feature_alone() {
        let all = programs(&[], Path::new("/x/oneoff"));
        let smol = all.iter().find(|p| p.name == "smol").unwrap();
        assert_eq!(
            smol.dependency,
            "async-oneoff = { path = \"/x/oneoff\", default-features = false, features = [\"smol\"] }"
        );
        assert!(all[0].dependency.is_empty());
        let tokio = &all.last().unwrap().dependency;
        assert!(tokio.contains("features = [\"rt\"]"));
    }
}
