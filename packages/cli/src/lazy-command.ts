import type { CliCommand } from './command.js';

/** What the help and the parser need of a command: everything but its code. */
export type CommandDescription = Omit<CliCommand, 'run'>;

/** A command described here and imported only when it runs. */
export interface LazyCommand extends CliCommand {
  load(): Promise<CliCommand>;
}

/**
 * A command whose module (and what it imports) loads only when it runs: `--help` and usage
 * errors then cost nothing for it. `lazy-command.test.ts` checks the description against the
 * module's own, so the two cannot drift apart.
 */
export function lazyCommand(description: CommandDescription, load: () => Promise<CliCommand>): LazyCommand {
  return { ...description, load, run: async (context) => (await load()).run(context) };
}
