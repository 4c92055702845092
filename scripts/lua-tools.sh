#!/usr/bin/env bash
# Provisions the Lua 5.1 compiler `pnpm lint` syntax-checks the Redis scripts with (`luac5.1 -p`):
# Redis runs its scripts on Lua 5.1, so a newer luac would accept syntax the server rejects.
# Debian/Ubuntu only; idempotent.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if command -v luac5.1 >/dev/null 2>&1; then exit 0; fi
echo "[lua-tools] installing Debian's lua5.1 (luac5.1)" >&2
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lua5.1 >/dev/null
