import type { RedisTestContext } from './use-redis.js';
import { uniqueId } from './use-redis.js';

/**
 * The commands Lua scripts run on this worker's database while `run` runs, in order, as MONITOR
 * shows them (their names as the script wrote them): what a client-side recorder cannot see. Other
 * workers share the server, so only lines of this database's scripts count; an ECHO marks the end.
 */
export async function scriptCommands(
  redis: Pick<RedisTestContext, 'client' | 'database'>,
  run: () => Promise<unknown>,
): Promise<string[]> {
  const monitor = redis.client.duplicate();
  await monitor.connect();
  const marker = uniqueId('end');
  const commands: string[] = [];
  let markerSeen = () => {};
  const seen = new Promise<void>((resolve) => (markerSeen = resolve));
  try {
    await monitor.monitor((line) => {
      if (line.includes(marker)) markerSeen();
      else if (line.includes(`[${redis.database} lua]`)) commands.push(/"([a-zA-Z]+)"/.exec(line)![1]!);
    });
    await run();
    await redis.client.sendCommand(['ECHO', marker]);
    await seen;
  } finally {
    monitor.destroy();
  }
  return commands;
}
