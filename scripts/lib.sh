# Shared by scripts/demo.sh and scripts/test.sh: install what is missing, say what
# is being done, and skip what is already there. Tools and builds live in a cache
# folder outside the clone so a second run (and CI on the same machine) is fast.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOUQIN_CACHE="${HOUQIN_CACHE:-/var/cache/houqin}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOUQIN_CACHE/target}"
TOOLS="$HOUQIN_CACHE/tools"
NODE_PREFIX="$HOUQIN_CACHE/node"
export PATH="$TOOLS/bin:$NODE_PREFIX/node_modules/.bin:$HOME/.cargo/bin:$PATH"
mkdir -p "$HOUQIN_CACHE" "$TOOLS"

say() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
step_started=0
step() { step_started=$(date +%s); say "$*"; }
step_done() { say "   done in $(( $(date +%s) - step_started )) s"; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

APT_UPDATED=0
# ensure_apt PKG...: installs the Debian packages that are not installed yet.
ensure_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]} (a few minutes the first time)"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$APT_UPDATED" -eq 0 ]; then
    $SUDO apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null
    APT_UPDATED=1
  fi
  $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the Rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
}

# The wasm-bindgen version Cargo.lock pins: the CLI must match it exactly.
locked_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_trunk() {
  if ! trunk --version 2>/dev/null | grep -q "0.21.14"; then
    say "installing trunk 0.21.14 into $TOOLS (debug build, ~3 min, once per machine)"
    cargo install --debug --locked trunk --version 0.21.14 --root "$TOOLS"
  fi
}

ensure_wasm_bindgen() {
  local want
  want="$(locked_version wasm-bindgen)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
    say "installing wasm-bindgen-cli $want (the version Cargo.lock pins) into $TOOLS"
    # --locked fails: the registry lacks one of its pinned dependencies.
    cargo install --debug wasm-bindgen-cli --version "$want" --root "$TOOLS" --force
  fi
}

ensure_binaryen() {
  # Debian's wasm-opt (108) silently breaks the app; use binaryen 132 from npm.
  if [ ! -x "$NODE_PREFIX/node_modules/.bin/wasm-opt" ]; then
    say "installing binaryen 132 (wasm-opt) from npm into $NODE_PREFIX"
    mkdir -p "$NODE_PREFIX"
    npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --silent binaryen@132
  fi
}

ensure_tauri_driver() {
  if ! tauri-driver --help >/dev/null 2>&1; then
    say "installing tauri-driver 2.1.0 into $TOOLS (~2 min, once per machine)"
    cargo install --debug --locked tauri-driver --version 2.1.0 --root "$TOOLS"
  fi
}

ui_tools() {
  ensure_wasm_target
  ensure_trunk
  ensure_wasm_bindgen
  ensure_binaryen
}

build_ui() {
  step "building the web app (trunk build --release in app/)"
  (cd "$ROOT/app" && trunk build --release)
  step_done
}

ensure_postgres() {
  ensure_apt postgresql postgresql-client
  local ver conf
  ver="$(ls /etc/postgresql | sort -n | tail -1)"
  conf="/etc/postgresql/$ver/main/pg_hba.conf"
  # Tests connect as postgres over TCP on loopback without a password.
  if ! grep -Eq '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$conf"; then
    say "allowing trusted loopback connections to PostgreSQL $ver (test machine)"
    $SUDO sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$conf"
    pg_lsclusters -h | awk '{print $4}' | grep -q online && $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
  fi
  if ! pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    say "starting PostgreSQL $ver"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  fi
  for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 0.2; done
  echo "PostgreSQL did not become ready on 127.0.0.1:5432" >&2
  return 1
}

# tidy_test_leftovers: earlier runs' test databases (each PostgreSQL test makes
# its own) and, when the disk runs low, the compiler's incremental caches.
tidy_test_leftovers() {
  local dbs n
  dbs="$(psql -h 127.0.0.1 -U postgres -Atc "SELECT datname FROM pg_database
    WHERE datname LIKE 'houqin\_test\_%' OR datname LIKE 'houqin\_tplbuild\_%'
    OR (datname LIKE 'houqin\_tpl\_%' AND oid NOT IN (SELECT oid FROM pg_database
        WHERE datname LIKE 'houqin\_tpl\_%' ORDER BY oid DESC LIMIT 2))")"
  n="$(printf '%s' "$dbs" | grep -c . || true)"
  if [ "$n" -gt 0 ]; then
    say "dropping $n test databases left by earlier runs"
    printf '%s\n' "$dbs" | while read -r db; do
      [ -n "$db" ] && psql -h 127.0.0.1 -U postgres -qAtc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
    done
  fi
  local free_kb
  free_kb="$(df -Pk "$CARGO_TARGET_DIR" 2>/dev/null | awk 'NR == 2 {print $4}')"
  if [ -n "$free_kb" ] && [ "$free_kb" -lt $((20 * 1024 * 1024)) ]; then
    say "under 20 GB free: removing the compiler's incremental caches"
    rm -rf "$CARGO_TARGET_DIR"/*/incremental "$CARGO_TARGET_DIR"/*/*/incremental
  fi
}

MQTT_PORT="${HOUQIN_TEST_MQTT_PORT:-18830}"
ensure_mosquitto() {
  ensure_apt mosquitto mosquitto-clients
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null; then
    say "starting a Mosquitto broker for tests on 127.0.0.1:$MQTT_PORT"
    cat > "$HOUQIN_CACHE/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
max_queued_messages 0
max_inflight_messages 100
log_dest stdout
CONF
    setsid mosquitto -c "$HOUQIN_CACHE/mosquitto.conf" >"$HOUQIN_CACHE/mosquitto.log" 2>&1 < /dev/null &
    for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && return 0; sleep 0.1; done
    echo "Mosquitto did not start; see $HOUQIN_CACHE/mosquitto.log" >&2
    return 1
  fi
}
export HOUQIN_TEST_MQTT_URL="mqtt://127.0.0.1:$MQTT_PORT"

# pcscd with the vsmartcard vpcd reader (two virtual slots, TCP 35963/35964):
# the card tests put a virtual card and a virtual SAM in them.
ensure_pcscd() {
  ensure_apt pcscd libpcsclite-dev vsmartcard-vpcd pcsc-tools
  if ! pgrep -x pcscd >/dev/null; then
    say "starting pcscd with the vpcd virtual reader"
    setsid pcscd -f -a >"$HOUQIN_CACHE/pcscd.log" 2>&1 < /dev/null &
    for _ in $(seq 1 50); do
      # vpcd listening on 35963 (0x8C7B); connecting would insert a card.
      [ -S /run/pcscd/pcscd.comm ] && grep -q ':8C7B 00000000:0000 0A' /proc/net/tcp && return 0
      sleep 0.1
    done
    echo "pcscd did not start; see $HOUQIN_CACHE/pcscd.log" >&2
    return 1
  fi
}
