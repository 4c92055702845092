import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The servers the suites run against. `default` is whatever the machine's redis-server is (Redis 7 in CI). */
export type RedisServerKind = 'default' | 'redis8' | 'valkey8';

export interface RedisServerSource {
  kind: RedisServerKind;
  /** Use this running server and start nothing. */
  url?: string;
  /** Or spawn this command (may be a whole prefix, e.g. a dynamic-loader wrapper). */
  command?: string;
  /** Where the setting came from, for the log line. */
  origin: string;
}

/** Where scripts/redis-servers.sh unpacks the Debian trixie servers. */
export function serverCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.TRISTACK_SERVER_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tristack', 'servers')
  );
}

function trixieCommand(binary: string, env: NodeJS.ProcessEnv): string | undefined {
  const root = join(serverCacheDir(env), 'trixie', 'root');
  const lib = join(root, 'usr', 'lib', 'x86_64-linux-gnu');
  const loader = join(lib, 'ld-linux-x86-64.so.2');
  const server = join(root, 'usr', 'bin', binary);
  return existsSync(loader) && existsSync(server) ? `${loader} --library-path ${lib} ${server}` : undefined;
}

/**
 * Finds each server kind: an URL env var first (start nothing), then a command env var,
 * then the binaries scripts/redis-servers.sh cached. `undefined` when a kind is not available.
 */
export function findServerSource(
  kind: RedisServerKind,
  env: NodeJS.ProcessEnv = process.env,
): RedisServerSource | undefined {
  switch (kind) {
    case 'default':
      if (env.REDIS_URL) return { kind, url: env.REDIS_URL, origin: 'REDIS_URL' };
      if (env.TRISTACK_REDIS_SERVER)
        return { kind, command: env.TRISTACK_REDIS_SERVER, origin: 'TRISTACK_REDIS_SERVER' };
      return { kind, command: 'redis-server', origin: 'redis-server on PATH' };
    case 'redis8': {
      if (env.REDIS8_URL) return { kind, url: env.REDIS8_URL, origin: 'REDIS8_URL' };
      if (env.TRISTACK_REDIS8_SERVER)
        return { kind, command: env.TRISTACK_REDIS8_SERVER, origin: 'TRISTACK_REDIS8_SERVER' };
      const command = trixieCommand('redis-server', env);
      return command ? { kind, command, origin: 'scripts/redis-servers.sh cache' } : undefined;
    }
    case 'valkey8': {
      if (env.VALKEY_URL) return { kind, url: env.VALKEY_URL, origin: 'VALKEY_URL' };
      if (env.TRISTACK_VALKEY8_SERVER)
        return { kind, command: env.TRISTACK_VALKEY8_SERVER, origin: 'TRISTACK_VALKEY8_SERVER' };
      const command = trixieCommand('valkey-server', env);
      return command ? { kind, command, origin: 'scripts/redis-servers.sh cache' } : undefined;
    }
  }
}

export const HOW_TO_GET_SERVERS =
  'run `bash scripts/redis-servers.sh` (Debian/Ubuntu: installs redis-server and caches Redis 8 and Valkey 8), ' +
  'or point REDIS_URL / REDIS8_URL / VALKEY_URL / REDIS_CLUSTER_URLS at running servers, ' +
  'or TRISTACK_REDIS_SERVER / TRISTACK_REDIS8_SERVER / TRISTACK_VALKEY8_SERVER at server commands';
