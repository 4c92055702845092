/**
 * One process of postgres-rate-limiter.fleet.test.ts: makes `calls` calls (8 at a time) on one
 * key of the limiter the parent names, prints one JSON line `{ admitted, denied, unavailable }`
 * and exits. Not part of the package's API.
 *
 * argv: <database url> <limiter options JSON> <calls>
 */
import pg from 'pg';
import { PostgresRateLimiter } from './postgres-rate-limiter.js';

const [url, limiterJson, callsText] = process.argv.slice(2) as [string, string, string];
const pool = new pg.Pool({ connectionString: url, max: 8 });
const limiter = new PostgresRateLimiter({ ...JSON.parse(limiterJson), pool, timeoutMs: 30_000 });
let remaining = Number(callsText);
const report = { admitted: 0, denied: 0, unavailable: 0 };

async function lane(): Promise<void> {
  while (remaining > 0) {
    remaining--;
    const result = await limiter.limit('hot');
    if (result.reason === 'store-unavailable') report.unavailable++;
    else if (result.allowed) report.admitted++;
    else report.denied++;
  }
}

await Promise.all(Array.from({ length: 8 }, lane));
await pool.end();
console.log(JSON.stringify(report));
