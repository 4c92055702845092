/**
 * One process of postgres-circuit-breaker.fleet.test.ts: opens a listening breaker, learns the
 * breaker `name` is closed, prints `ready`, then prints `heard <state>` for each state change
 * another process announces, and `admitted <true|false>` for an acquire right after it. Exits
 * when stdin closes. Not part of the package's API.
 *
 * argv: <database url> <breaker name>
 */
import { createInterface } from 'node:readline';
import pg from 'pg';
import { PostgresCircuitBreaker } from './postgres-circuit-breaker.js';

const [url, name] = process.argv.slice(2) as [string, string];
const pool = new pg.Pool({ connectionString: url, max: 3 });
const breaker = new PostgresCircuitBreaker({
  pool,
  consecutiveFailures: 3,
  openMs: 60_000,
  // Snapshots never age out during the test: only the notification can tell this process.
  maxStalenessMs: 60_000,
  backendTimeoutMs: 10_000,
});
await breaker.listening();
breaker.onEvent((event) => {
  if (event.type !== 'state-change' || event.origin !== 'remote') return;
  console.log(`heard ${event.to}`);
  void breaker.acquire(name).then((result) => console.log(`admitted ${result.admitted}`));
});
const first = await breaker.acquire(name);
if (first.admitted) await breaker.record(first.permit, { status: 'success' });
console.log('ready');
createInterface({ input: process.stdin }).on('close', () => {
  void breaker.close().then(() => pool.end());
});
