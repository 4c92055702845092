#!/usr/bin/env bash
# AI SDK 7 needs Node >= 22, the project stays on Node 20: installs Node 22 from the npm registry's `node@22`
# package (its binary comes from the registry's node-<platform> packages) and `ai@7` into a temporary folder,
# then runs the built middleware against them (`pnpm --filter @tristack/ai-sdk build` first).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
echo '{ "name": "ai-sdk-7-check", "private": true, "type": "module" }' > package.json
npm install --no-audit --no-fund --loglevel=error node@22 ai@7 zod@4
"$work/node_modules/.bin/node" "$here/ai-sdk-7-check.mjs" "$work"
