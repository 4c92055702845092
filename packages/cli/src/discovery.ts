import type { DiscoveryOptions } from '@tristack/core';
import { parseCount, type CliContext, type CliOption } from './command.js';
import { escapeControl } from './terminal-text.js';

/** `--scan-limit`, shared by the commands that discover what the store holds. */
export const scanLimitOption: Record<'scan-limit', CliOption> = {
  'scan-limit': {
    type: 'string',
    value: 'n',
    description: 'stop discovering keys after this many matches (default 10000)',
  },
};

/** The discovery bound of a command's `--scan-limit`. */
export function discoveryOptionsOf(context: CliContext): DiscoveryOptions {
  return { limit: parseCount(context.options['scan-limit'], 'scan-limit', 10_000) };
}

/** How a stored entry no driver could have written is shown: escaped, never raw. */
export function undecodableKeyLabel(key: string): string {
  return `<undecodable key: ${escapeControl(key)}>`;
}
