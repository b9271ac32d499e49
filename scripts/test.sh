#!/usr/bin/env bash
# Runs every test and quality gate, installing and starting what they need:
# rustfmt, the UI build, clippy, the desktop app build, cargo test (unit,
# integration on SQLite and PostgreSQL, e2e in Chromium and the Tauri app),
# and the wasm32 builds of shared and app.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
started=$(date +%s)

step "checking tools and services"
ensure_apt pkg-config libssl-dev build-essential \
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev \
  xvfb webkit2gtk-driver chromium chromium-driver fonts-wqy-microhei
ui_tools
ensure_tauri_driver
ensure_postgres
ensure_mosquitto
ensure_pcscd
tidy_test_leftovers
step_done

# Incremental caches help an edit-compile loop, not a full run, and they grow
# by gigabytes a run in the shared target folder.
export CARGO_INCREMENTAL=0

step "cargo fmt --all --check"
cargo fmt --all --check
step_done

# The Tauri crate embeds the built UI, so the UI is built before anything compiles it.
build_ui

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
step_done

step "building the desktop app (the e2e tests drive it)"
cargo build -p houqin-desktop
step_done

# The sync simulation runs 400 schedules by default; CI runs thousands.
export HOUQIN_SIM_SCHEDULES="${HOUQIN_SIM_SCHEDULES:-2000}"
step "cargo test --workspace (sync simulation: $HOUQIN_SIM_SCHEDULES schedules)"
cargo test --workspace
step_done

step "wasm32 builds of shared and app"
cargo build --target wasm32-unknown-unknown -p houqin-shared -p houqin-app
step_done

say "all checks passed in $(( $(date +%s) - started )) s; e2e screenshots are in e2e/screenshots/"
