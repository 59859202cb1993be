//! oneoff's developer commands, run as `cargo xtask <command>`.

use clap::{Parser, Subcommand};

mod bench_report;

/// oneoff's developer commands.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the same work(arg) on every backend and compare start-up latency and results.
    Compare,
    /// Read criterion's estimates from `cargo bench` and write target/oneoff/bench.md: ns per
    /// iteration, oneoff/direct ratios, the floor, and every case missing the overhead target.
    BenchReport,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Compare => anyhow::bail!("compare is not built yet (issue 3)"),
        Command::BenchReport => bench_report::run(),
    }
}
