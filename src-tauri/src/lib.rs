//! Houqin's Tauri 2 shell: one window over the Leptos UI (`app/dist`), and the
//! IPC commands that give it the native [`Engine`].
//!
//! Desktop-only parts go behind `#[cfg(desktop)]`: the kiosk's campus-card
//! reader (`read_card`, over PC/SC with `houqin-card`); on phones the command
//! answers that there is no reader (they pay by QR code).

mod commands;

use std::path::PathBuf;
use std::sync::Arc;

use houqin_engine::{Engine, EngineConfig, SyncSchedule};
use tauri::{AppHandle, Manager};

/// Where the backend is when `HOUQIN_SERVER_URL` says nothing.
const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8080";

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    init_tracing();
    let app = tauri::Builder::default()
        .setup(|app| {
            let config = engine_config(app.handle())?;
            let engine = Arc::new(Engine::open(config)?);
            tracing::info!(device_id = engine.device_id(), "engine ready");
            // Runs for the life of the app: syncs at start, on a timer, after
            // failures with backoff, and when a write pokes it.
            tauri::async_runtime::spawn(engine.clone().run_sync_loop(SyncSchedule::default()));
            app.manage(engine);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::login,
            commands::kiosk_charge,
            commands::offline_allowance,
            commands::logout,
            commands::current_user,
            commands::api_call,
            commands::enqueue,
            commands::sync_now,
            commands::sync_status,
            commands::pending_actions,
            commands::dismiss_rejected,
            commands::synced_rows,
            commands::read_card,
            commands::pay_code,
            commands::add_photo,
            commands::photo,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = app {
        // Start-up failure (no data directory, a database from a newer app, no
        // display): nothing to recover, say why and stop.
        tracing::error!(%error, "Houqin could not start");
        eprintln!("Houqin could not start: {error}");
        std::process::exit(1);
    }
}

/// The engine's data directory and server.
///
/// - `HOUQIN_DATA_DIR` overrides the data directory (tests and e2e runs use a
///   fresh one); otherwise the platform's app data directory.
/// - `HOUQIN_SERVER_URL` at run time, else the same variable at compile time
///   (phones have no environment to set), else [`DEFAULT_SERVER_URL`].
fn engine_config(app: &AppHandle) -> Result<EngineConfig, tauri::Error> {
    let data_dir = match std::env::var_os("HOUQIN_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => app.path().app_data_dir()?,
    };
    let server_url = std::env::var("HOUQIN_SERVER_URL")
        .ok()
        .or_else(|| option_env!("HOUQIN_SERVER_URL").map(str::to_owned))
        .unwrap_or_else(|| DEFAULT_SERVER_URL.to_owned());
    Ok(EngineConfig::new(data_dir, server_url))
}

/// Logs to stderr, filtered by `HOUQIN_LOG` (e.g. `debug`, `houqin_engine=trace`).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HOUQIN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Fails only if a subscriber is already set (an embedding host did it): keep theirs.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
