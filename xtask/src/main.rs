//! oneoff's developer commands, run as `cargo xtask <command>`.

mod footprint;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

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
    /// Build a minimal program per backend; report binary size added, clean build time, crates.
    Footprint {
        /// Backends to measure, comma-separated (default: all); the std-only baseline always runs.
        #[arg(long, value_delimiter = ',')]
        backends: Vec<String>,
        /// Where to write footprint.json and footprint.md.
        #[arg(long, default_value = "target/oneoff")]
        out: PathBuf,
    },
}

/// The repository's root: xtask lives one level below it.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits inside the repository")
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Compare => anyhow::bail!("compare is not built yet (issue 3)"),
        Command::Footprint { backends, out } => {
            let out = root().join(out);
            let results = footprint::run(root(), &out, &backends)?;
            print!("{}", footprint::table(&results));
            eprintln!(
                "wrote {} and footprint.md",
                out.join("footprint.json").display()
            );
            Ok(())
        }
    }
}
