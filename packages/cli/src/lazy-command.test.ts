import { describe, expect, it } from 'vitest';
import { commands } from './command-registry.js';
import type { LazyCommand } from './lazy-command.js';

describe('lazily loaded commands', () => {
  const lazy = commands.filter((command): command is LazyCommand => 'load' in command);

  it('describe themselves exactly as their modules do', async () => {
    expect(lazy.map((command) => command.path.join(' '))).toContain('cache calibrate');
    for (const command of lazy) {
      const { run: _run, ...loaded } = await command.load();
      const { run: _lazyRun, load: _load, ...described } = command;
      expect(described).toEqual(loaded);
    }
  });
});
