//! The guide's pages link to each other so that the links work both in the repository and on
//! docs.rs: by reference (`[the pitfalls][pitfalls.md]`), each label defined at the end of the
//! page for a reader of the repository, and again in the facade's `guide!` for rustdoc. An
//! inline link to a page (`[..](pitfalls.md)`) would work only in the repository.

use std::fs;
use std::path::{Path, PathBuf};

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

/// The labels of the reference links to guide pages in `text`: `pitfalls.md`,
/// `promises.md#ctrl-c`, ...
fn page_labels(text: &str) -> Vec<String> {
    let mut labels = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("][") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(']') else { break };
        let label = &rest[..end];
        if label
            .split('#')
            .next()
            .is_some_and(|page| page.ends_with(".md"))
        {
            labels.push(label.to_owned());
        }
    }
    labels
}

#[test]
fn every_link_between_pages_works_in_the_repository_and_on_docs_rs() {
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
        .expect("the facade's lib.rs");
    let mut checked = 0;
    for entry in fs::read_dir(docs()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "md") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        let page = name.trim_end_matches(".md");
        assert!(
            lib.contains(&format!("    {page},\n")),
            "docs/{name} is not a module of the guide! in crates/async-oneoff/src/lib.rs"
        );
        for target in [
            "tutorial",
            "choosing",
            "promises",
            "pitfalls",
            "compare",
            "benchmarks",
        ] {
            assert!(
                !text.contains(&format!("]({target}.md")),
                "docs/{name} links to {target}.md inline: write [text][{target}.md] (a label \
                 that both GitHub and docs.rs resolve)"
            );
        }
        for label in page_labels(&text) {
            assert!(
                text.contains(&format!("\n[{label}]: {label}\n")),
                "docs/{name} uses the label [{label}] without defining it at its end"
            );
            let target = label.split('#').next().unwrap().trim_end_matches(".md");
            let defined_for_rustdoc = if label.contains('#') {
                lib.contains(&format!("[{label}]: crate::guide::"))
            } else {
                lib.contains(&format!("    {target},\n"))
            };
            assert!(
                defined_for_rustdoc,
                "docs/{name} links to [{label}], which guide! in the facade's lib.rs does not \
                 define for docs.rs"
            );
            checked += 1;
        }
    }
    assert!(
        checked > 10,
        "only {checked} links between pages were found"
    );
}
