//! `bench-report`: after `cargo bench -p oneoff-benches`, writes `target/oneoff/bench.md` from
//! criterion's estimates and prints the share of pairs within the overhead target (see
//! `oneoff_benches::write_report`). `cargo xtask bench-report` runs it in the profile that
//! `cargo bench` built, so that it reuses that build.

use std::process::ExitCode;

fn main() -> ExitCode {
    match oneoff_benches::write_report() {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
