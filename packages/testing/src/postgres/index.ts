export { usePostgres, withDatabase, type PostgresTestContext } from './use-postgres.js';
export {
  postgresServer,
  postgresAvailability,
  requiresPostgres,
  createPostgresRunDir,
  stopPostgresRun,
  POSTGRES_RUN_DIR_ENV,
  type PostgresServer,
} from './server.js';
export { findPostgresBinaries, HOW_TO_GET_POSTGRES, type PostgresBinaries } from './binaries.js';
export { startPostgresCluster, type PostgresCluster } from './cluster.js';
export { recordingPool, type RecordingPool } from './recording-pool.js';
