export { runCli, helpText, globalOptions, type RunCliOptions } from './cli.js';
export { commands } from './command-registry.js';
export {
  UsageError,
  parseTime,
  parseCount,
  timeRange,
  timeRangeOptions,
  tableFor,
  type CliCommand,
  type CliContext,
  type CliOption,
} from './command.js';
export { describeEvent, type EventSummary } from './describe-event.js';
export { createStyle, renderTable, type CliIo, type Style } from './output.js';
export { connectRedis, type RedisTarget, type ConnectedRedis } from './connect-redis.js';
