#!/usr/bin/env node
import { runCli } from './cli.js';

const controller = new AbortController();
// First Ctrl-C stops a --follow or an export cleanly; a second one exits at once.
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});
runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, env: process.env },
  { signal: controller.signal },
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tristack: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
