import { setTimeout as sleep } from 'node:timers/promises';
/**
 * Retries `attempt` every `intervalMs` until it resolves, and rethrows its last error once
 * `timeoutMs` passed: for state that settles asynchronously (a reconnecting client, a heartbeat).
 */
export async function eventually<T>(
  attempt: () => Promise<T> | T,
  timeout: number | { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const options = typeof timeout === 'number' ? { timeoutMs: timeout } : timeout;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(options.intervalMs ?? 20);
    }
  }
}
