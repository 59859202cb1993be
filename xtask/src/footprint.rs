//! `cargo xtask footprint`: what each backend adds to a program. For every backend it builds a
//! minimal program that runs one future through oneoff, from a clean target directory, in
//! release mode with symbols stripped, and reports the binary size added over a std-only
//! program, the clean build time and the number of crates compiled.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use serde::Serialize;

use crate::cmd::Cmd;

/// The flags of `cargo xtask footprint`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Backends to measure, comma-separated (default: all); the std-only baseline always runs.
    #[arg(long, value_delimiter = ',')]
    backends: Vec<String>,
    /// Where to write footprint.json and footprint.md (relative to the workspace root).
    #[arg(long, default_value = "target/oneoff")]
    out: PathBuf,
}

/// The programs measured: a name, the oneoff feature it enables (none for the baseline) and the
/// runner type its `main` uses.
const PROGRAMS: &[(&str, Option<&str>, &str)] = &[
    ("std-only", None, ""),
    ("tokio", Some("tokio"), "Tokio"),
    ("smol", Some("smol"), "Smol"),
    ("futures-lite", Some("futures-lite"), "FuturesLite"),
    ("pollster", Some("pollster"), "Pollster"),
    ("async-std", Some("async-std"), "AsyncStd"),
];

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

/// Measures every program in `only` (all when empty) and writes `footprint.json` and
/// `footprint.md` into `out`.
fn measure(root: &Path, out: &Path, only: &[String]) -> Result<Vec<Footprint>> {
    for name in only {
        ensure!(
            PROGRAMS.iter().any(|(program, _, _)| program == name),
            "unknown backend `{name}` for footprint: choose among {}",
            PROGRAMS.iter().map(|p| p.0).collect::<Vec<_>>().join(", ")
        );
    }
    let work = root.join("target/oneoff/footprint");
    let mut results = Vec::new();
    let mut baseline = None;
    for &(program, feature, runner) in PROGRAMS {
        let wanted = only.is_empty() || only.iter().any(|n| n == program) || feature.is_none();
        if !wanted {
            continue;
        }
        eprintln!("footprint: building {program} from a clean target directory ...");
        let dir = write_program(root, &work, program, feature, runner)?;
        let (binary_bytes, clean_build, crates_compiled) = build(&dir, program)?;
        let base = *baseline.get_or_insert(binary_bytes);
        results.push(Footprint {
            program: program.to_owned(),
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
fn write_program(
    root: &Path,
    work: &Path,
    program: &str,
    feature: Option<&str>,
    runner: &str,
) -> Result<PathBuf> {
    let dir = work.join(program);
    fs::create_dir_all(dir.join("src"))?;
    let crate_name = format!("footprint-{program}");
    let dependency = match feature {
        None => String::new(),
        Some(feature) => format!(
            "oneoff = {{ path = {:?}, default-features = false, features = [{feature:?}] }}\n",
            root.join("crates/oneoff")
        ),
    };
    let main = match feature {
        None => "fn main() {\n    let answer = std::hint::black_box(42);\n    \
                 std::process::exit(answer - 42);\n}\n"
            .to_owned(),
        Some(_) => format!(
            "use oneoff::OneOffRunner;\n\nfn main() {{\n    \
             let answer = oneoff::{runner}::run(async {{ std::hint::black_box(42) }}).unwrap();\n    \
             std::process::exit(answer - 42);\n}}\n"
        ),
    };
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
    let ran = Cmd::new(env!("CARGO"))
        .args(["build", "--release", "--message-format=json"])
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
    md
}
