import { currentServer } from '../redis/use-redis.js';
import { findServerSource } from '../redis/server-kinds.js';

/**
 * The command that starts this project's server kind, for tests that stop and restart their own
 * server (`spawnRedisServer(command)`, then again on the same port). `undefined`, with a NOT RUN
 * line, when the server was given by URL and cannot be spawned here.
 */
export function restartableServerCommand(): string | undefined {
  const kind = currentServer().kind;
  const command = findServerSource(kind)?.command;
  if (!command)
    console.warn(`[tristack] NOT RUN on ${kind}: the server is given by URL, so it cannot be restarted here`);
  return command;
}
