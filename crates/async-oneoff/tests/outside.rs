//! The docs' programs build and run in a new crate outside this workspace, as a reader who
//! copies them would build them: the README's example with the dependency line of its "Use"
//! section, and every program of `docs/tutorial.md` (and of the README) with the dependencies
//! its first line names (`// [dependencies] name = spec; name = spec`), `async-oneoff`
//! pointing at this checkout instead of crates.io. A program followed by an output block
//! (`<!-- output -->` or `<!-- output: name -->`) must print exactly that.
//!
//! Each program is its own one-package workspace (so that one program's features cannot leak
//! into another's), pinned to this repository's `Cargo.lock`, built offline into one target
//! directory under `target/` that reruns reuse.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use oneoff_workloads::watchdog;

/// Building tokio with its macros and every backend once, cold, on two cores.
const LIMIT: Duration = Duration::from_secs(1200);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A program shown in the docs.
#[derive(Debug)]
struct DocProgram {
    /// Where it is shown, for messages.
    origin: String,
    /// Its `[dependencies]` lines.
    dependencies: Vec<String>,
    source: String,
    /// What it must print, when the docs show it.
    output: Option<String>,
}

/// A fenced block of a markdown file.
struct Block {
    /// Its info string (`rust`, `toml`, ...).
    info: String,
    body: String,
    /// The name of the `<!-- example: name -->` marker before it, if any.
    example: Option<String>,
    /// The output block that follows it, if any.
    output: Option<String>,
}

/// The fenced blocks of `text`.
fn blocks(text: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut example = None;
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(name) = line.strip_prefix("<!-- example: ") {
            example = Some(name.trim_end_matches(" -->").to_owned());
        }
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut body = String::new();
        for line in lines.by_ref() {
            if line == "```" {
                break;
            }
            body.push_str(line);
            body.push('\n');
        }
        // An output block is the next fence after an `<!-- output` marker, blank lines apart.
        while lines.peek().is_some_and(|line| line.trim().is_empty()) {
            lines.next();
        }
        let output = if lines.peek().is_some_and(|l| l.starts_with("<!-- output")) {
            lines.next();
            lines
                .next()
                .filter(|fence| fence.starts_with("```"))
                .map(|_| {
                    let mut shown = String::new();
                    for line in lines.by_ref() {
                        if line == "```" {
                            break;
                        }
                        shown.push_str(line);
                        shown.push('\n');
                    }
                    shown
                })
        } else {
            None
        };
        found.push(Block {
            info: info.to_owned(),
            body,
            example: example.take(),
            output,
        });
    }
    found
}

/// The dependency line a program opens with, as `[dependencies]` lines.
fn dependencies(source: &str) -> Option<Vec<String>> {
    let line = source.lines().next()?.strip_prefix("// [dependencies] ")?;
    Some(line.split("; ").map(str::to_owned).collect())
}

/// Every whole program (one with a `main` that opens with its dependency line) of the Markdown
/// file `path`; a fragment's dependency line is for the reader who pastes it into a program.
fn programs_in(path: &str) -> Vec<DocProgram> {
    let text = fs::read_to_string(root().join(path)).unwrap();
    blocks(&text)
        .into_iter()
        .filter(|block| block.info.starts_with("rust") || block.info == "rs")
        .filter(|block| block.body.contains("fn main"))
        .filter(|block| !block.info.contains("compile_fail"))
        .filter_map(|block| {
            let dependencies = dependencies(&block.body)?;
            let origin = match block.example {
                Some(example) => format!("{path}'s {example} program"),
                None => format!("{path}'s program"),
            };
            Some(DocProgram {
                origin,
                dependencies,
                source: block.body,
                output: block.output,
            })
        })
        .collect()
}

/// `async-oneoff = "0.1"` or `async-oneoff = { version = "0.1", .. }` as this checkout's path.
fn local(dependency: &str) -> String {
    let facade = root().join("crates/async-oneoff");
    let Some(spec) = dependency.strip_prefix("async-oneoff = ") else {
        return dependency.to_owned();
    };
    let path = format!("path = {:?}", facade.display().to_string());
    match spec.strip_prefix("{ version = ") {
        Some(rest) => format!(
            "async-oneoff = {{ {path}{}",
            &rest[rest.find(',').unwrap()..]
        ),
        None => format!("async-oneoff = {{ {path} }}"),
    }
}

/// Writes `program` as the crate `name` in its own workspace under `dir`, builds and runs it
/// (when it has an output to check) and returns what it printed.
fn build_and_run(dir: &Path, name: &str, program: &DocProgram) -> Option<String> {
    let crate_dir = dir.join(name);
    fs::create_dir_all(crate_dir.join("src")).unwrap();
    let dependencies: Vec<String> = program.dependencies.iter().map(|d| local(d)).collect();
    fs::write(
        crate_dir.join("Cargo.toml"),
        format!(
            "[package]\nname = {name:?}\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{}\n\n[workspace]\n",
            dependencies.join("\n")
        ),
    )
    .unwrap();
    fs::write(crate_dir.join("src/main.rs"), &program.source).unwrap();
    let lock = crate_dir.join("Cargo.lock");
    if !lock.exists() {
        fs::copy(root().join("Cargo.lock"), &lock).unwrap();
    }
    let verb = if program.output.is_some() {
        "run"
    } else {
        "build"
    };
    let output = Command::new(env!("CARGO"))
        .args([verb, "--quiet", "--offline", "--target-dir"])
        .arg(dir.join("target"))
        .current_dir(&crate_dir)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "{} did not {verb} in a crate of its own with [dependencies] {:?}:\n{}",
        program.origin,
        program.dependencies,
        String::from_utf8_lossy(&output.stderr)
    );
    program
        .output
        .as_ref()
        .map(|_| String::from_utf8(output.stdout).expect("the program prints UTF-8"))
}

#[test]
fn the_readme_example_runs_in_a_new_crate_made_from_the_use_section() {
    watchdog("README example outside the workspace", LIMIT, || {
        let readme = fs::read_to_string(root().join("README.md")).unwrap();
        let usage = &readme[readme.find("## Use").expect("the README has a Use section")..];
        let toml = blocks(usage)
            .into_iter()
            .find(|block| block.info == "toml")
            .expect("the Use section gives a [dependencies] block");
        let line = toml
            .body
            .lines()
            .find(|line| line.starts_with("async-oneoff = "))
            .expect("the Use section names async-oneoff");
        let line = line.split(" #").next().unwrap().trim().to_owned();
        let mut examples = programs_in("README.md");
        assert_eq!(examples.len(), 1, "the README shows one program");
        let mut example = examples.remove(0);
        example.dependencies = vec![line];
        let dir = root().join("target/outside");
        let printed = build_and_run(&dir, "readme-use", &example);
        assert_eq!(printed, example.output, "the README example's output");
    });
}

#[test]
fn every_tutorial_program_builds_in_a_new_crate_from_its_dependency_line() {
    watchdog("tutorial programs outside the workspace", LIMIT, || {
        let programs = programs_in("docs/tutorial.md");
        assert!(programs.len() >= 7, "{programs:#?}");
        let dir = root().join("target/outside");
        for (index, mut program) in programs.into_iter().enumerate() {
            // It waits for a Ctrl-C: tests/ctrl_c.rs runs it and sends one.
            if program.source.contains("ctrl_c(true)") {
                program.output = None;
            }
            let printed = build_and_run(&dir, &format!("tutorial-{index}"), &program);
            assert_eq!(printed, program.output, "{}", program.origin);
        }
    });
}
