#!/usr/bin/env bash
# Instructions a Lua script costs Redis per call, counted by valgrind's callgrind (repeatable, unlike
# server µs on a shared machine): a redis-server under callgrind runs N calls of the script
# (redis-benchmark, pipelined), and N calls of `return 1` in a second server; the difference per
# call is what the script costs above the cheapest EVALSHA. Then the script's server's top functions
# (whole run, start-up included): libc's (strtod, vfprintf…) are named; Debian's redis-server is
# stripped, so its own (the Lua VM among them) show as addresses.
#
#   bench/scripts/lua-instructions.sh <script.lua> <key> [argv…]      (N=20000 by default)
#   (src/limit-script.ts prints the rate limiter's scripts of the compare page)
#
# Needs valgrind, redis-server, redis-cli and redis-benchmark on PATH; port 6398 free.
set -euo pipefail
script=$1 key=$2
shift 2
calls=${N:-20000}
out=$(mktemp -d)
trap 'redis-cli -p 6398 shutdown nosave >/dev/null 2>&1 || true; rm -rf "$out"' EXIT

measure() { # <lua file> [argv…] -> total instructions of a server that ran `calls` calls of it
  local file=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
    redis-server --port 6398 --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
  local server=$!
  for _ in $(seq 1 100); do redis-cli -p 6398 ping >/dev/null 2>&1 && break; sleep 0.2; done
  local sha
  sha=$(redis-cli -p 6398 SCRIPT LOAD "$(cat "$file")")
  redis-benchmark -p 6398 -n "$calls" -c 1 -P 16 -q EVALSHA "$sha" 1 "$key" "$@" >/dev/null
  redis-cli -p 6398 INFO commandstats | grep -q "cmdstat_evalsha:calls=$calls," ||
    { echo "[lua-instructions] the script did not run $calls times (an error?)" >&2; exit 1; }
  redis-cli -p 6398 shutdown nosave >/dev/null 2>&1 || true
  wait "$server" || true
  awk '/^(summary|totals):/ { print $2; exit }' "$out/callgrind.out"
}

echo 'return 1' >"$out/trivial.lua"
trivial=$(measure "$out/trivial.lua")
total=$(measure "$script" "$@")
echo "$script: $(((total - trivial) / calls)) instructions per call above EVALSHA of 'return 1'"
# awk reads to the end (no SIGPIPE under pipefail).
callgrind_annotate --threshold=90 "$out/callgrind.out" 2>/dev/null | awk '/^Ir/ { on = 1 } on && shown++ < 25'
