#!/usr/bin/env node
import { runCli } from './cli.js';
import { maskCredentials } from './mask-credentials.js';
import { terminalSafe } from './terminal-text.js';

const controller = new AbortController();
// First Ctrl-C stops a --follow or an export cleanly; a second one exits at once.
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});
// `tristack audit export … | head -1`: the reader has what it wanted and closed the pipe. That
// ends the output, it is not a failure: stop quietly, with the code a finished command has.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw error;
  });
}
runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, env: process.env },
  { signal: controller.signal },
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // runCli reports every expected failure itself; this is a bug, so the stack helps — masked.
    process.stderr.write(
      `tristack: ${terminalSafe(maskCredentials((error as Error)?.stack ?? String(error)))}\n`,
    );
    process.exitCode = 1;
  },
);
