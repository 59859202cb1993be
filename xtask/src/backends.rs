//! `cargo xtask backends`: the cargo feature of every backend the facade knows, one a line, in
//! the facade's priority order, so that scripts (`.ci/run`) loop over the facade's own list
//! instead of keeping one of their own.

use oneoff::Backend;

/// The distinct features of [`Backend::ALL`] (tokio's two flavours share one), in order.
pub(crate) fn features() -> Vec<&'static str> {
    let mut features: Vec<&'static str> = Vec::new();
    for backend in Backend::ALL {
        if !features.contains(&backend.feature()) {
            features.push(backend.feature());
        }
    }
    features
}

/// Prints [`features`], one a line.
pub(crate) fn run() {
    for feature in features() {
        println!("{feature}");
    }
}
