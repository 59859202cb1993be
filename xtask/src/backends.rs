//! oneoff's backends as xtask names them: [`BackendName`]s of the facade's one list, enabled in
//! xtask's own build or not, so that xtask compiles no runtime; and `cargo xtask backends`, the
//! cargo feature of every backend, one a line, so that scripts (`.ci/run`) loop over the facade's
//! own list instead of keeping one of their own.

pub(crate) use oneoff_probe::BackendName;

/// The backend called `name`, or a message that lists the valid names (for `--backends`).
pub(crate) fn parse(name: &str) -> Result<BackendName, String> {
    BackendName::named(name.trim()).ok_or_else(|| {
        let valid: Vec<&str> = BackendName::ALL.iter().map(|b| b.name()).collect();
        format!(
            "unknown backend `{name}`: choose one of: {}",
            valid.join(", ")
        )
    })
}

/// The distinct features of [`BackendName::ALL`] (tokio's two flavours share one), in order.
pub(crate) fn features() -> Vec<&'static str> {
    each_once(BackendName::ALL.iter().map(|backend| backend.feature()))
}

/// `items`, each once, in their order.
pub(crate) fn each_once<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut kept = Vec::new();
    for item in items {
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
    kept
}

/// Prints [`features`], one a line.
pub(crate) fn run() {
    for feature in features() {
        println!("{feature}");
    }
}
