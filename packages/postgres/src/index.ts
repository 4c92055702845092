// `@tristack/postgres`: the PostgreSQL drivers of the Tristack primitives, on node-postgres with the
// caller's own `pg.Pool`. Run `migrate(pool)` once (deploy step or start-up) before using a driver.
export { migrate, type MigrateOptions, type MigrateResult } from './migrate.js';
export { sweepExpired, type SweepOptions, type SweepResult } from './sweeper.js';
export type { PostgresDriverOptions } from './driver-options.js';
export * from './audit-log/index.js';
export * from './broadcast/index.js';
export * from './circuit-breaker/index.js';
export * from './conversation-memory/index.js';
export * from './job-queue/index.js';
export * from './lease/index.js';
export * from './rate-limiter/index.js';
export * from './semantic-cache/index.js';
export * from './token-stream/index.js';
