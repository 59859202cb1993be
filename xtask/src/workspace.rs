//! Where the workspace and its build output are, whatever the current directory: the few
//! paths every command needs.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The workspace's root folder.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits one level below the workspace root")
        .to_owned()
}

/// The cargo that runs xtask, so that children build with the same toolchain.
pub(crate) fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}
