fn main() {
    // `generate_context!` embeds the built UI, and cargo does not watch it.
    println!("cargo:rerun-if-changed=../app/dist");
    // Listing the app's commands makes them subject to the capability files
    // (capabilities/*.json): a window may only call what its capability allows.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "login",
        "logout",
        "current_user",
        "api_call",
        "enqueue",
        "sync_now",
        "sync_status",
        "pending_actions",
        "dismiss_rejected",
        "synced_rows",
        "read_card",
        "pay_code",
        "kiosk_charge",
        "offline_allowance",
        "add_photo",
        "photo",
    ]);
    if let Err(error) =
        tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
    {
        // Start-up of the build: a broken tauri.conf.json or capability must stop it.
        panic!("tauri-build failed: {error:#}");
    }
}
