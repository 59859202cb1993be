//! oneoff's developer commands, run as `cargo xtask <command>`.
//!
//! `main` parses the flags (here, once, with clap) and dispatches; each command is its own
//! module, and every other program is started through [`cmd::Cmd`].

mod backends;
mod cmd;
mod compare;
mod environment;
mod footprint;
mod workspace;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

/// oneoff's developer commands.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the same work(arg) and fetch(arg) on every backend and compare start-up latency,
    /// per-call cost and results.
    Compare(compare::CompareArgs),
    /// Build a minimal program per backend; report binary size added, clean build time, crates.
    Footprint(footprint::FootprintArgs),
    /// Read criterion's estimates from `cargo bench` and write target/oneoff/bench.md: ns per
    /// iteration, oneoff/direct ratios, the floor, and every pair missing the overhead target.
    BenchReport,
    /// Print the cargo feature of every backend of the facade, one a line (for scripts).
    Backends,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return refuse(err),
    };
    let outcome = match cli.command {
        Command::Compare(args) => compare::run(args),
        Command::Footprint(args) => footprint::run(args).map(|()| ExitCode::SUCCESS),
        Command::BenchReport => bench_report().map(|()| ExitCode::SUCCESS),
        Command::Backends => {
            backends::run();
            Ok(ExitCode::SUCCESS)
        }
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask bench-report`: the benches' own report, built in the profile `cargo bench` used,
/// so that it reuses that build.
fn bench_report() -> anyhow::Result<()> {
    let summary = cmd::Cmd::new(workspace::cargo())
        .args([
            "run",
            "--quiet",
            "--profile",
            "bench",
            "--package",
            "oneoff-benches",
        ])
        .args(["--bin", "bench-report"])
        .dir(&workspace::root())
        .show_stderr()
        .timeout(std::time::Duration::from_secs(1800))
        .read()?;
    println!("{summary}");
    Ok(())
}

/// Help and version go out as clap writes them; a usage error becomes one clear line.
fn refuse(err: clap::Error) -> ExitCode {
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => err.exit(),
        _ => {
            // Keep what explains the error, without the usage and the pointer to --help.
            let rendered = err.render().to_string();
            let said: Vec<&str> = rendered
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .filter(|line| !line.starts_with("Usage:") && !line.starts_with("For more"))
                .collect();
            eprintln!("{}", said.join("; "));
            ExitCode::from(2)
        }
    }
}
