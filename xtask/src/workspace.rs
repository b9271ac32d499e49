//! Where things are, and running tools so their output does not mix with
//! the report on stdout.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result};

/// The workspace root (xtask lives in `<root>/xtask`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The `cargo` that runs us (so the same toolchain builds the server).
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// A handle on our stderr for a child's output: progress is shown, the
/// report on stdout stays clean.
pub fn to_stderr() -> Result<Stdio> {
    use std::os::fd::AsFd;
    let fd = std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .context("duplicate stderr")?;
    Ok(Stdio::from(fd))
}
