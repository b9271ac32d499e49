//! Helpers for Houqin's whole-system tests: real servers, real browsers.
//!
//! - [`workspace`]: where things are (the built UI, the desktop binary, screenshots).
//! - [`process`]: child processes that die with their handle, free ports.
//! - [`browser`]: headless Chromium through chromedriver, at a chosen viewport
//!   (and, for scanning, a [`camera`] that films a QR code).
//! - [`desktop`]: the Tauri app through tauri-driver and WebKitWebDriver under Xvfb.
//! - [`web`]: a test server that also serves the built UI; [`network`]: a
//!   link to it that can be cut; [`seeded`]: what the demo campus holds.
//! - [`find`] / [`act`] / [`check`]: wait for `data-testid` elements, do what a
//!   user does, and assert what the page shows.
//!
//! Everything waits by polling with a deadline ([`find::timeout`]), never by
//! sleeping a guessed time: these tests run on loaded two-core machines.
//! Errors are `anyhow` with context: this crate is only ever used by tests,
//! and a failing test's message is the whole report.

pub mod act;
pub mod browser;
pub mod camera;
pub mod check;
pub mod desktop;
pub mod find;
pub mod network;
pub mod process;
pub mod seeded;
pub mod web;
pub mod workspace;
