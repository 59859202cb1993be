//! The tutorial shows the classic examples and what they print: its program blocks must be the
//! examples word for word, whole (everything after the example's `//!` header, so that a block
//! copied into a new crate builds), and its output blocks the output each example documents
//! (which `.ci/run` checks against what the example really prints, on every backend).

use std::fs;
use std::path::Path;

const TUTORIAL: &str = include_str!("../../../docs/tutorial.md");

/// The fenced block that follows the marker `<!-- {kind}: {name} -->` in `text`.
fn block_after(text: &str, marker: &str) -> Option<String> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let open = rest.find("```")?;
    let body = &rest[open..];
    let body = &body[body.find('\n')? + 1..];
    Some(body[..body.find("```")?].to_owned())
}

/// The ```text block in an example's `//!` header: the output it documents.
fn documented_output(source: &str) -> String {
    let header: String = source
        .lines()
        .take_while(|line| line.starts_with("//!"))
        .map(|line| {
            line.trim_start_matches("//!")
                .strip_prefix(' ')
                .unwrap_or("")
        })
        .map(|line| format!("{line}\n"))
        .collect();
    block_after(&header, "").expect("the example documents its output in a ```text block")
}

#[test]
fn tutorial_shows_each_example_and_its_output() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for name in [
        "run",
        "runner",
        "with_arg",
        "spawn_blocking",
        "ctrl_c",
        "tokio_builder",
    ] {
        let source = fs::read_to_string(examples.join(format!("{name}.rs"))).unwrap();
        let code = block_after(TUTORIAL, &format!("<!-- example: {name} -->"))
            .unwrap_or_else(|| panic!("docs/tutorial.md shows no code for the {name} example"));
        let program: String = source
            .lines()
            .skip_while(|line| line.starts_with("//!"))
            .skip_while(|line| line.is_empty())
            .map(|line| format!("{line}\n"))
            .collect();
        assert_eq!(
            code, program,
            "docs/tutorial.md's code for {name} is not examples/{name}.rs after its header"
        );
        assert!(
            code.starts_with("// [dependencies] "),
            "the {name} program does not open with the line naming its dependencies"
        );
        let output = block_after(TUTORIAL, &format!("<!-- output: {name} -->"))
            .unwrap_or_else(|| panic!("docs/tutorial.md shows no output for the {name} example"));
        assert_eq!(
            output,
            documented_output(&source),
            "output shown for {name}"
        );
    }
}
