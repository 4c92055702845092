import { cacheCalibrateDescription } from './commands/cache-calibrate-description.js';
import { lazyCommand } from './lazy-command.js';

// The module imports `@tristack/core` and its embedders (~100 ms of start-up): only when it runs.
export const lazyCacheCalibrateCommand = lazyCommand(
  cacheCalibrateDescription,
  async () => (await import('./commands/cache-calibrate.js')).cacheCalibrateCommand,
);
