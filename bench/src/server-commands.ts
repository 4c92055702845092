import type { RedisClientType } from 'redis';

/** `INFO commandstats` as command name → calls (scripts' inner commands count on their own). */
async function commandCalls(client: RedisClientType): Promise<Map<string, number>> {
  const info = await client.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, Number(match[2]));
  return calls;
}

/**
 * Runs `run` `count` times one after another, twice with the same indexes (the first pass warms
 * scripts and creates keys, so the second shows the steady state), and returns the server
 * commands per call of the second pass, by name, from `INFO commandstats` deltas (the INFO call
 * itself left out). Needs a server no one else uses meanwhile: a benchmark's own.
 */
export async function serverCommandsPerCall(
  client: RedisClientType,
  count: number,
  run: (index: number) => Promise<unknown>,
): Promise<{ total: number; byName: Record<string, number> }> {
  for (let index = 0; index < count; index++) await run(index);
  const before = await commandCalls(client);
  for (let index = 0; index < count; index++) await run(index);
  const after = await commandCalls(client);
  const byName: Record<string, number> = {};
  let total = 0;
  for (const [name, calls] of after) {
    const delta = calls - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
    if (delta <= 0) continue;
    byName[name] = delta / count;
    total += delta / count;
  }
  return { total, byName };
}

/** `3.00 (evalsha 1, time 1, …)`: a per-call count for a report line. */
export function formatCommands({ total, byName }: { total: number; byName: Record<string, number> }): string {
  const parts = Object.entries(byName)
    .sort(([, left], [, right]) => right - left)
    .map(([name, calls]) => `${name} ${Number(calls.toFixed(2))}`);
  return `${total.toFixed(2)} (${parts.join(', ')})`;
}
