//! `wasm-size`: what a phone downloads to open the app — the .wasm and its
//! JS glue in `app/dist`, raw and gzip-compressed at the best level.
//! Builds the UI with `trunk build --release` first if `app/dist` is missing.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use flate2::Compression;
use flate2::write::GzEncoder;

use super::{Ctx, Figure};
use crate::workspace;

const KIB: f64 = 1024.0;

pub fn run(ctx: &mut Ctx) -> Result<Vec<Figure>> {
    let app = workspace::root().join("app");
    let dist = app.join("dist");
    if !dist.join("index.html").is_file() {
        eprintln!("app/dist is missing: building the UI with `trunk build --release` in app/");
        let status = Command::new("trunk")
            .args(["build", "--release"])
            .current_dir(&app)
            .stdout(workspace::to_stderr()?)
            .stderr(workspace::to_stderr()?)
            .status()
            .context("cannot run trunk (is it on PATH? see TOOLCHAIN.md)")?;
        if !status.success() {
            bail!("trunk build --release failed ({status})");
        }
        ctx.builds
            .push("UI: built by this run with `trunk build --release`".to_owned());
    } else {
        ctx.builds.push("UI: app/dist as found".to_owned());
    }

    let wasm = only_file(&dist, "wasm")?;
    let glue = wasm_glue(&dist, &wasm)?;
    let wasm_bytes = std::fs::read(&wasm).with_context(|| format!("read {}", wasm.display()))?;
    let glue_bytes = std::fs::read(&glue).with_context(|| format!("read {}", glue.display()))?;
    let kind = if looks_unoptimised(&wasm_bytes) {
        "NOT a release build (keeps debug/name sections that wasm-opt strips): run `trunk build --release` for real figures"
    } else {
        "release build (no debug or name sections)"
    };
    let wasm_name = file_name(&wasm);
    let glue_name = file_name(&glue);
    let wasm_gz = gzip_len(&wasm_bytes)?;
    let glue_gz = gzip_len(&glue_bytes)?;
    Ok(vec![
        Figure::new(
            "wasm raw",
            wasm_bytes.len() as f64 / KIB,
            "KiB",
            format!("{wasm_name}; {kind}"),
        ),
        Figure::new(
            "wasm gzip -9",
            wasm_gz as f64 / KIB,
            "KiB",
            "what travels with Content-Encoding: gzip",
        ),
        Figure::new(
            "JS glue raw",
            glue_bytes.len() as f64 / KIB,
            "KiB",
            glue_name,
        ),
        Figure::new("JS glue gzip -9", glue_gz as f64 / KIB, "KiB", ""),
        Figure::new(
            "wasm + JS gzip -9",
            (wasm_gz + glue_gz) as f64 / KIB,
            "KiB",
            "the app's code over the wire (CSS, HTML and icons not counted)",
        ),
    ])
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The one file in `dir` with extension `ext`.
fn only_file(dir: &Path, ext: &str) -> Result<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("read {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == ext) {
            found.push(path);
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => bail!("no .{ext} file in {}", dir.display()),
        _ => bail!(
            "{} .{ext} files in {}: clean it and rebuild (trunk build --release)",
            found.len(),
            dir.display()
        ),
    }
}

/// trunk names the glue after the wasm: `NAME_bg.wasm` goes with `NAME.js`.
fn wasm_glue(dist: &Path, wasm: &Path) -> Result<PathBuf> {
    let stem = file_name(wasm);
    let base = stem
        .strip_suffix("_bg.wasm")
        .or_else(|| stem.strip_suffix(".wasm"))
        .unwrap_or(&stem);
    let glue = dist.join(format!("{base}.js"));
    if glue.is_file() {
        Ok(glue)
    } else {
        only_file(dist, "js")
    }
}

fn gzip_len(bytes: &[u8]) -> Result<usize> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(bytes).context("gzip")?;
    Ok(gz.finish().context("gzip")?.len())
}

/// Whether the module keeps DWARF (`.debug_*`) or function names (`name`):
/// trunk's debug builds do, a `trunk build --release` through wasm-opt does not.
fn looks_unoptimised(wasm: &[u8]) -> bool {
    custom_sections(wasm)
        .iter()
        .any(|name| name.starts_with(".debug") || name == "name")
}

/// The names of a module's custom sections (section id 0).
fn custom_sections(wasm: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
        return names;
    }
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let Some((size, after)) = leb128(wasm, at) else {
            break;
        };
        let end = after.saturating_add(size);
        if id == 0
            && let Some((len, name_at)) = leb128(wasm, after)
            && let Some(name) = wasm.get(name_at..name_at.saturating_add(len))
        {
            names.push(String::from_utf8_lossy(name).into_owned());
        }
        at = end;
    }
    names
}

/// An unsigned LEB128 at `at`: its value and where the next byte is.
fn leb128(bytes: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let mut value: usize = 0;
    let mut shift = 0;
    loop {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= usize::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
        shift += 7;
        if shift > 35 {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_custom_section_names() {
        // Header, then a custom section "name" (empty) and one ".debug_info" (2 bytes).
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend([0, 5, 4]);
        wasm.extend(b"name");
        wasm.extend([0, 14, 11]);
        wasm.extend(b".debug_info");
        wasm.extend([1, 2]);
        assert_eq!(
            custom_sections(&wasm),
            vec!["name".to_owned(), ".debug_info".to_owned()]
        );
        assert!(looks_unoptimised(&wasm));
        assert!(!looks_unoptimised(b"\0asm\x01\0\0\0"));
    }

    #[test]
    fn leb128_multi_byte() {
        assert_eq!(leb128(&[0xe5, 0x8e, 0x26], 0), Some((624_485, 3)));
        assert_eq!(leb128(&[0x80], 0), None);
    }
}
