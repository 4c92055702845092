import { parseArgs } from 'node:util';
import { TristackError } from '@tristack/core';
import type { RedisClientInput } from '@tristack/redis';
import { type CliCommand, type CliContext, type CliOption, UsageError } from './command.js';
import { commands as builtInCommands } from './command-registry.js';
import { type ConnectedRedis, connectRedis } from './connect-redis.js';
import { type CliIo, colorEnabled, createStyle } from './output.js';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** Options every command takes. */
export const globalOptions: Record<string, CliOption> = {
  url: {
    type: 'string',
    short: 'u',
    value: 'url',
    description: `Redis URL (default $TRISTACK_REDIS_URL, $REDIS_URL or ${DEFAULT_URL})`,
  },
  cluster: { type: 'boolean', description: 'the URL (comma-separated URLs) are Redis Cluster seed nodes' },
  prefix: { type: 'string', value: 'prefix', description: 'key prefix of the deployment (default tristack)' },
  tenant: { type: 'string', short: 't', value: 'id', description: 'tenant (default "default")' },
  json: { type: 'boolean', description: 'machine-readable JSON instead of text' },
  color: { type: 'boolean', description: 'colour even when not on a terminal' },
  'no-color': { type: 'boolean', description: 'no colour (also: NO_COLOR)' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

function optionUsage(name: string, option: CliOption): string {
  const flag = `${option.short ? `-${option.short}, ` : '    '}--${name}${option.value ? ` <${option.value}>` : ''}`;
  return `  ${flag.padEnd(30)} ${option.description}`;
}

/** The help text: every command of the registry with its options. */
export function helpText(commands: readonly CliCommand[], only?: CliCommand): string {
  const lines: string[] = [];
  if (only) {
    lines.push(`usage: tristack ${only.path.join(' ')} ${only.usage} [options]`, '', only.summary, '');
    if (only.options) {
      lines.push('options:');
      for (const [name, option] of Object.entries(only.options)) lines.push(optionUsage(name, option));
      lines.push('');
    }
  } else {
    lines.push(
      'usage: tristack <command> [arguments] [options]',
      '',
      'Inspect a Tristack deployment: its audit trail and the live state of its primitives in Redis.',
      '',
      'commands:',
    );
    const synopsis = commands.map((command) => `${command.path.join(' ')} ${command.usage}`);
    const width = Math.max(...synopsis.map((text) => text.length)) + 2;
    commands.forEach((command, index) => lines.push(`  ${synopsis[index]!.padEnd(width)}${command.summary}`));
    lines.push('');
  }
  lines.push('global options:');
  for (const [name, option] of Object.entries(globalOptions)) lines.push(optionUsage(name, option));
  return `${lines.join('\n')}\n`;
}

function findCommand(commands: readonly CliCommand[], positionals: string[]): CliCommand | undefined {
  let best: CliCommand | undefined;
  for (const command of commands) {
    const matches = command.path.every((word, index) => positionals[index] === word);
    if (matches && (!best || command.path.length > best.path.length)) best = command;
  }
  return best;
}

export interface RunCliOptions {
  /** Commands to offer. @default the built-in registry */
  commands?: readonly CliCommand[];
  /** Aborts long-running commands (the binary wires Ctrl-C to it). */
  signal?: AbortSignal;
}

/**
 * Runs `tristack` with `argv` (without the node and script paths). Resolves with the exit code:
 * 0 ok, 1 a failure or finding (unreachable Redis, broken chain), 2 a usage error.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  options: RunCliOptions = {},
): Promise<number> {
  const commands = options.commands ?? builtInCommands;
  const allOptions: Record<string, CliOption> = { ...globalOptions };
  for (const command of commands) Object.assign(allOptions, command.options);
  const err = (text: string) => void io.stderr.write(text);
  let parsed: ReturnType<
    typeof parseArgs<{
      options: Record<string, { type: 'string' | 'boolean'; short?: string }>;
      allowPositionals: true;
      strict: true;
    }>
  >;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(allOptions).map(([name, option]) => [
          name,
          { type: option.type, ...(option.short ? { short: option.short } : {}) },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    err(`tristack: ${(error as Error).message}\n\n${helpText(commands)}`);
    return 2;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const command = findCommand(commands, parsed.positionals);
  if (!command) {
    if (values['help'] || parsed.positionals.length === 0) {
      io.stdout.write(helpText(commands));
      return values['help'] ? 0 : 2;
    }
    err(`tristack: unknown command "${parsed.positionals.join(' ')}"\n\n${helpText(commands)}`);
    return 2;
  }
  if (values['help']) {
    io.stdout.write(helpText(commands, command));
    return 0;
  }
  const foreign = Object.keys(values).filter(
    (name) =>
      values[name] !== undefined && !(name in globalOptions) && !(command.options && name in command.options),
  );
  if (foreign.length > 0) {
    err(
      `tristack: ${command.path.join(' ')} does not take ${foreign.map((name) => `--${name}`).join(', ')}\n\n${helpText(commands, command)}`,
    );
    return 2;
  }

  const style = createStyle(
    !values['json'] &&
      colorEnabled(io, { color: values['color'] === true, noColor: values['no-color'] === true }),
  );
  const url =
    (values['url'] as string | undefined) ??
    io.env['TRISTACK_REDIS_URL'] ??
    io.env['REDIS_URL'] ??
    DEFAULT_URL;
  let connected: ConnectedRedis | undefined;
  const context: CliContext = {
    args: parsed.positionals.slice(command.path.length),
    options: values,
    io,
    style,
    json: values['json'] === true,
    prefix: (values['prefix'] as string | undefined) ?? 'tristack',
    tenantId: (values['tenant'] as string | undefined) ?? 'default',
    signal: options.signal ?? new AbortController().signal,
    redis: async (): Promise<RedisClientInput> => {
      connected ??= await connectRedis({ url, cluster: values['cluster'] === true });
      return connected.client;
    },
    out: (text) => void io.stdout.write(text),
    err,
  };
  try {
    return await command.run(context);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`tristack: ${error.message}\n\n${helpText(commands, command)}`);
      return 2;
    }
    const message = TristackError.isInstance(error)
      ? error.message
      : `${(error as Error)?.message ?? String(error)}`;
    err(`tristack: ${message}\n`);
    return TristackError.hasCode(error, 'INVALID_INPUT') ? 2 : 1;
  } finally {
    await connected?.close();
  }
}
