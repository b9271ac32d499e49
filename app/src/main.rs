//! Houqin's UI: a Leptos CSR app, built to wasm by trunk, served by the
//! backend as a web app and embedded in the Tauri app.
//!
//! Invariant: only `api` talks to the outside (fetch or Tauri IPC); only
//! `i18n` holds user-facing text; only `routes` spells paths.

mod api;
mod app;
mod components;
mod i18n;
mod live;
mod pages;
mod routes;
mod session;
mod sync;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
