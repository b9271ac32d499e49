//! Houqin's whole-system journeys: the real server in-process, the built UI
//! in headless Chromium, and the Tauri desktop app through tauri-driver.
//!
//! Needs: `app/dist` (cd app && trunk build), chromium + chromedriver, and for
//! the desktop journey `cargo build -p houqin-desktop`, tauri-driver,
//! WebKitWebDriver and Xvfb. A missing piece fails with what to install.
//! Every journey takes free ports of its own, so they run in parallel.

mod desktop_kiosk;
mod desktop_login;
mod desktop_repairs;
mod web_dining;
mod web_kiosk;
mod web_login;
mod web_repairs;
mod web_screens;
mod web_session;
mod web_unreachable;
mod web_wallet;
