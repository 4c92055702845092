export { useRedis, useRedisCluster, requiresServer, currentServer, uniqueId, KIND_ENV } from './use-redis.js';
export type { RedisTestContext, RedisClusterTestContext } from './use-redis.js';
export {
  findServerSource,
  serverCacheDir,
  HOW_TO_GET_SERVERS,
  type RedisServerKind,
  type RedisServerSource,
} from './server-kinds.js';
export { spawnRedisServer, freePort, splitCommand, type SpawnedServer } from './server-process.js';
export { spawnRedisCluster, type SpawnedCluster } from './cluster.js';
export {
  startServers,
  describeServers,
  readServerInfo,
  SERVERS_ENV,
  type RunningServer,
  type RunningServers,
} from './servers.js';
export { compareVersions } from './version.js';
export { recordingConnection, type RecordingConnection } from './recording-connection.js';
export { snapshotKeys, type KeySnapshot, type KeysSnapshot } from './key-snapshot.js';
export { expectRejectedWithoutWrites } from './expect-rejected-without-writes.js';
export { scriptCommands } from './script-commands.js';
