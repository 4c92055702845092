#!/usr/bin/env bash
# Provisions the Redis servers the test suites run against, on Debian/Ubuntu:
#   redis7  — Debian's own redis-server (apt-get install redis-server)
#   redis8  — Debian 13 (trixie) redis-server 8.x, unpacked into a cache folder
#   valkey8 — Debian 13 (trixie) valkey-server 8.x, unpacked into a cache folder
# The trixie binaries need a newer libc than this machine's, so they are started
# through the dynamic loader shipped beside them. Idempotent and cached.
# The trixie packages are verified like any apt install: the suite's InRelease must be
# signed by a key of Debian's archive keyring (signed-by=, no [trusted=yes]), must not
# have expired (apt's Valid-Until check stays on), and every .deb must match the hash
# of the signed index. Nothing is unpacked otherwise, so a mirror or anyone on the path
# cannot hand the harness binaries to run.
#
# Environment: TRISTACK_SERVER_CACHE   where to cache (default ~/.cache/tristack/servers)
#              TRISTACK_DEBIAN_KEYRING the keyring that signs trixie
#                                      (default /usr/share/keyrings/debian-archive-keyring.gpg)
#
# Usage: scripts/redis-servers.sh [install]   # provision (default)
#        scripts/redis-servers.sh env         # print export lines for the harness
set -euo pipefail

CACHE_DIR="${TRISTACK_SERVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tristack/servers}"
TRIXIE_DIR="$CACHE_DIR/trixie"
ROOT_DIR="$TRIXIE_DIR/root"
LIB_DIR="$ROOT_DIR/usr/lib/x86_64-linux-gnu"
LOADER="$LIB_DIR/ld-linux-x86-64.so.2"
KEYRING="${TRISTACK_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"
PACKAGES=(redis-server redis-tools valkey-server valkey-tools
  libc6 libstdc++6 libgcc-s1 libatomic1 liblzf1 libjemalloc2 libsystemd0 libssl3t64
  libcap2 liblz4-1 liblzma5 libzstd1 libgcrypt20 libgpg-error0)

log() { echo "[redis-servers] $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_redis7() {
  if command -v redis-server >/dev/null 2>&1; then return; fi
  log "installing Debian's redis-server"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
}

mirror_uri() {
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  elif [ -f /etc/apt/sources.list ]; then
    uri=$(awk '/^deb / && $2 ~ /debian\/?$/ { print $2; exit }' /etc/apt/sources.list)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

install_trixie() {
  if [ -x "$ROOT_DIR/usr/bin/redis-server" ] && [ -x "$ROOT_DIR/usr/bin/valkey-server" ] && [ -e "$LOADER" ]; then
    return
  fi
  if [ ! -s "$KEYRING" ]; then
    log "no Debian archive keyring at $KEYRING: install debian-archive-keyring (or set TRISTACK_DEBIAN_KEYRING)"
    exit 1
  fi
  log "fetching Redis 8 and Valkey 8 from Debian trixie into $TRIXIE_DIR (signatures checked against $KEYRING)"
  mkdir -p "$TRIXIE_DIR/lists/partial" "$TRIXIE_DIR/debs" "$ROOT_DIR"
  local sources="$TRIXIE_DIR/trixie.list"
  echo "deb [signed-by=$KEYRING] $(mirror_uri) trixie main" >"$sources"
  local apt_opts=(-o "Dir::Etc::SourceList=$sources" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$TRIXIE_DIR/lists" -o "Dir::Cache::archives=$TRIXIE_DIR/debs"
    -o APT::Get::AllowUnauthenticated=false -o Debug::NoLocking=1)
  # A missing, bad or expired signature is an error of apt-get update (exit 100), not a warning.
  apt-get "${apt_opts[@]}" update -qq
  # download refuses packages that do not come from a verified index, and checks their hashes.
  (cd "$TRIXIE_DIR/debs" && apt-get "${apt_opts[@]}" download "${PACKAGES[@]}" >/dev/null)
  for deb in "$TRIXIE_DIR"/debs/*.deb; do dpkg -x "$deb" "$ROOT_DIR"; done
  # redis-server in the package is a symlink to redis-check-rdb; the binary picks
  # its mode from argv[0], so give each server a real file whose name ends in -server.
  for name in redis valkey; do
    local target
    target=$(readlink -f "$ROOT_DIR/usr/bin/$name-server")
    cp "$target" "$ROOT_DIR/usr/bin/$name-server.real" && mv "$ROOT_DIR/usr/bin/$name-server.real" "$ROOT_DIR/usr/bin/$name-server"
  done
}

print_env() {
  local prefix="$LOADER --library-path $LIB_DIR"
  echo "export TRISTACK_REDIS_SERVER='$(command -v redis-server)'"
  echo "export TRISTACK_REDIS8_SERVER='$prefix $ROOT_DIR/usr/bin/redis-server'"
  echo "export TRISTACK_VALKEY8_SERVER='$prefix $ROOT_DIR/usr/bin/valkey-server'"
}

case "${1:-install}" in
  install)
    install_redis7
    install_trixie
    log "ready: $(redis-server --version | awk '{print $3}'), $("$LOADER" --library-path "$LIB_DIR" "$ROOT_DIR/usr/bin/redis-server" --version | awk '{print $3}'), valkey $("$LOADER" --library-path "$LIB_DIR" "$ROOT_DIR/usr/bin/valkey-server" --version | awk '{print $3}')"
    ;;
  env) print_env ;;
  *) echo "usage: $0 [install|env]" >&2; exit 2 ;;
esac
