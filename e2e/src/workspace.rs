//! Where the e2e tests find what they drive, and where they put screenshots.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The workspace root (this crate lives in `<root>/e2e`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The built web app, `<root>/app/dist`; an error tells how to build it.
pub fn app_dist() -> Result<PathBuf> {
    let dist = root().join("app").join("dist");
    if !dist.join("index.html").is_file() {
        bail!(
            "{} has no index.html: build the UI first: cd app && trunk build",
            dist.display()
        );
    }
    Ok(dist)
}

/// `<root>/e2e/screenshots` (git-ignored), created if needed.
pub fn screenshots_dir() -> Result<PathBuf> {
    let dir = root().join("e2e").join("screenshots");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// The desktop app's debug binary: `HOUQIN_DESKTOP_BIN`, else `houqin-desktop`
/// in the profile folder this test binary was built into (which follows
/// `CARGO_TARGET_DIR` wherever it points).
pub fn desktop_binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("HOUQIN_DESKTOP_BIN") {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!("HOUQIN_DESKTOP_BIN={} does not exist", path.display());
        }
        return Ok(path);
    }
    // The test binary is <target>/<profile>/deps/e2e-<hash>.
    let exe = std::env::current_exe().context("cannot find the test binary's path")?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .with_context(|| format!("unexpected test binary path {}", exe.display()))?;
    let bin = profile_dir.join("houqin-desktop");
    if !bin.is_file() {
        bail!(
            "the desktop app is not built ({} is missing): build it first with `cargo build -p houqin-desktop` \
             (after the UI: cd app && trunk build)",
            bin.display()
        );
    }
    Ok(bin)
}

/// The first executable called `name` on `PATH`, or the first of `fallbacks` that exists.
pub fn which(name: &str, fallbacks: &[&str]) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    on_path.or_else(|| fallbacks.iter().map(PathBuf::from).find(|p| p.is_file()))
}

/// Like [`which`], but an error names the missing tool and how to get it.
pub fn require_tool(name: &str, fallbacks: &[&str], install: &str) -> Result<PathBuf> {
    which(name, fallbacks)
        .with_context(|| format!("`{name}` is not installed (not on PATH): {install}"))
}
