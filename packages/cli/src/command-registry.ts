import type { CliCommand } from './command.js';
import { auditExportCommand } from './commands/audit-export.js';
import { auditTrailCommands } from './commands/audit-trail.js';
import { auditVerifyCommand } from './commands/audit-verify.js';
import { inspectBreakersCommand } from './commands/inspect-breakers.js';
import { inspectCacheCommand } from './commands/inspect-cache.js';
import { inspectConversationCommand } from './commands/inspect-conversation.js';
import { inspectLimitsCommand } from './commands/inspect-limits.js';
import { inspectQueueCommand } from './commands/inspect-queue.js';
import { lazyCacheCalibrateCommand } from './lazy-cache-calibrate.js';

/**
 * Every command of `tristack`. To add one, write a small module exporting a `CliCommand` and
 * list it here; the help, option parsing and dispatch pick it up. Modules import their drivers
 * inside `run`, so `--help` loads none; one that cannot is listed through `lazyCommand`.
 */
export const commands: readonly CliCommand[] = [
  ...auditTrailCommands,
  auditVerifyCommand,
  auditExportCommand,
  inspectConversationCommand,
  inspectQueueCommand,
  inspectLimitsCommand,
  inspectBreakersCommand,
  inspectCacheCommand,
  lazyCacheCalibrateCommand,
];
