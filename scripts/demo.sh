#!/usr/bin/env bash
# Runs the Houqin demo: builds the web app, seeds a demo campus into an embedded
# SQLite file, and serves both. Prints the URL and one demo login per role.
#   HOUQIN_LISTEN   address to serve on (default 127.0.0.1:8080)
#   HOUQIN_DATA_DIR where the demo database lives (default ./data in the clone)
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

LISTEN="${HOUQIN_LISTEN:-127.0.0.1:8080}"
DATA_DIR="${HOUQIN_DATA_DIR:-$ROOT/data}"

ensure_apt pkg-config libssl-dev
ui_tools
build_ui
step "building the server (cargo build -p houqin-server)"
cargo build -p houqin-server
step_done
SERVER="$CARGO_TARGET_DIR/debug/houqin-server"

step "seeding the demo campus into $DATA_DIR (skipped when already there)"
"$SERVER" --data-dir "$DATA_DIR" seed
step_done

host="${LISTEN%:*}"; port="${LISTEN##*:}"
[ "$host" = "0.0.0.0" ] && host="127.0.0.1"
say "Houqin is starting at http://$host:$port/  (Ctrl-C stops it)"
say "sign in with any username above and the password \"demo\""
exec "$SERVER" --data-dir "$DATA_DIR" serve --listen "$LISTEN" --static-dir "$ROOT/app/dist"
