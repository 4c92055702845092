import { parseArgs } from 'node:util';
import type { RedisClientInput } from '@tristack/redis';
import { type CliCommand, type CliContext, type CliOption, UsageError } from './command.js';
import { commands as builtInCommands } from './command-registry.js';
import { type ConnectedPostgres, connectPostgres, invalidPostgresUrl } from './connect-postgres.js';
import { type ConnectedRedis, connectRedis, invalidRedisUrl } from './connect-redis.js';
import { maskCredentials, urlSecrets } from './mask-credentials.js';
import { type CliIo, colorEnabled, createStyle } from './output.js';
import { escapeControl, terminalSafe } from './terminal-text.js';

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
  'postgres-url': {
    type: 'string',
    value: 'url',
    description: 'read a deployment on the Postgres drivers instead of Redis (postgres:// URL)',
  },
  prefix: {
    type: 'string',
    value: 'prefix',
    description: 'key prefix of the deployment, or its schema with --postgres-url (default tristack)',
  },
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
      'Without installing: npx @tristack/cli <command> … (`npx tristack` is another package).',
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

/** The commands under a group word (`audit`, `inspect`, `cache`); empty when it is none. */
export function commandsOfGroup(commands: readonly CliCommand[], group: string): CliCommand[] {
  return commands.filter((command) => command.path.length > 1 && command.path[0] === group);
}

/** `tristack audit` alone: the group's subcommands, each with its synopsis and summary. */
export function groupHelpText(group: string, members: readonly CliCommand[]): string {
  const synopsis = members.map((command) => `${command.path.join(' ')} ${command.usage}`);
  const width = Math.max(...synopsis.map((text) => text.length)) + 2;
  return [
    `usage: tristack ${group} <command> [arguments] [options]`,
    '',
    `${group} commands:`,
    ...members.map((command, index) => `  ${synopsis[index]!.padEnd(width)}${command.summary}`),
    '',
    `see: tristack ${group} <command> --help, tristack --help for the global options`,
    '',
  ].join('\n');
}

/** What a usage error prints after its message: the synopsis and where the help is, not the help. */
export function usageHint(command?: CliCommand): string {
  return command
    ? `usage: tristack ${command.path.join(' ')} ${command.usage} [options]\n` +
        `see: tristack ${command.path.join(' ')} --help\n`
    : 'usage: tristack <command> [arguments] [options]\nsee: tristack --help\n';
}

function findCommand(commands: readonly CliCommand[], positionals: string[]): CliCommand | undefined {
  let best: CliCommand | undefined;
  for (const command of commands) {
    const matches = command.path.every((word, index) => positionals[index] === word);
    if (matches && (!best || command.path.length > best.path.length)) best = command;
  }
  return best;
}

/** The `--url` / `-u` values of a command line, read before parsing so that even a parse error is masked. */
function argvUrl(argv: readonly string[]): string | undefined {
  const found: string[] = [];
  argv.forEach((arg, index) => {
    const next = argv[index + 1];
    if ((arg === '--url' || arg === '-u') && next !== undefined) found.push(next);
    else if (arg.startsWith('--url=')) found.push(arg.slice('--url='.length));
    else if (arg.startsWith('-u') && arg.length > 2) found.push(arg.slice(2));
  });
  return found.length > 0 ? found.join(',') : undefined;
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
  const candidateUrls = [argvUrl(argv), io.env['TRISTACK_REDIS_URL'], io.env['REDIS_URL']];
  const secrets = candidateUrls.flatMap((url) => (url === undefined ? [] : urlSecrets(url)));
  // Every message goes out with the URL's password masked and control characters escaped
  // (a `\r` may only start a progress line).
  const err = (text: string) =>
    void io.stderr.write(terminalSafe(maskCredentials(text, secrets), { leadingReturn: true }));
  const usageError = (message: string, command?: CliCommand) => {
    err(`tristack: ${message}\n${usageHint(command)}`);
    return 2;
  };
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
    return usageError(escapeControl((error as Error).message));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const command = findCommand(commands, parsed.positionals);
  if (!command) {
    // `tristack audit` (or `inspect`, `cache`): what the group offers, as help, not an error.
    const group = parsed.positionals.length === 1 ? commandsOfGroup(commands, parsed.positionals[0]!) : [];
    if (group.length > 0) {
      io.stdout.write(groupHelpText(parsed.positionals[0]!, group));
      return 0;
    }
    if (values['help']) {
      io.stdout.write(helpText(commands));
      return 0;
    }
    // No command is a usage error too: the help goes to stderr, so nothing reads it as output.
    if (parsed.positionals.length === 0) {
      err(helpText(commands));
      return 2;
    }
    const unknown = usageError(`unknown command "${escapeControl(parsed.positionals.join(' '))}"`);
    // `tristack audit frob`: the group's commands say what was meant.
    const members = commandsOfGroup(commands, parsed.positionals[0]!);
    if (members.length > 0) err(groupHelpText(escapeControl(parsed.positionals[0]!), members));
    return unknown;
  }
  if (values['help']) {
    io.stdout.write(helpText(commands, command));
    return 0;
  }
  const foreign = Object.keys(values).filter(
    (name) =>
      values[name] !== undefined && !(name in globalOptions) && !(command.options && name in command.options),
  );
  if (foreign.length > 0)
    return usageError(
      `${command.path.join(' ')} does not take ${foreign.map((name) => `--${name}`).join(', ')}`,
      command,
    );

  const style = createStyle(
    !values['json'] &&
      colorEnabled(io, { color: values['color'] === true, noColor: values['no-color'] === true }),
  );
  const target = {
    url:
      (values['url'] as string | undefined) ??
      io.env['TRISTACK_REDIS_URL'] ??
      io.env['REDIS_URL'] ??
      DEFAULT_URL,
    cluster: values['cluster'] === true,
  };
  let connected: ConnectedRedis | undefined;
  const postgresUrl = values['postgres-url'] as string | undefined;
  let connectedPostgres: ConnectedPostgres | undefined;
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
      const invalid = invalidRedisUrl(target);
      if (invalid) throw new UsageError(`--url: ${invalid}`);
      connected ??= await connectRedis(target);
      return connected.client;
    },
    postgres:
      postgresUrl === undefined
        ? undefined
        : async () => {
            const invalid = invalidPostgresUrl(postgresUrl);
            if (invalid) throw new UsageError(`--postgres-url: ${invalid}`);
            connectedPostgres ??= await connectPostgres(postgresUrl);
            return connectedPostgres.pool;
          },
    // Data is escaped where it is rendered; this guards the places that forgot.
    out: (text) => void io.stdout.write(terminalSafe(text)),
    err,
  };
  try {
    return await command.run(context);
  } catch (error) {
    if (error instanceof UsageError) return usageError(escapeControl(error.message), command);
    // Loaded only on failure: `@tristack/core` is most of a start-up's cost.
    const { TristackError } = await import('@tristack/core');
    const message = TristackError.isInstance(error)
      ? error.message
      : `${(error as Error)?.message ?? String(error)}`;
    // A value the library rejects (an id with control characters, a bad cursor) is a usage error.
    if (TristackError.hasCode(error, 'INVALID_INPUT')) return usageError(escapeControl(message), command);
    err(`tristack: ${escapeControl(message)}\n`);
    return 1;
  } finally {
    await connected?.close();
    await connectedPostgres?.close();
  }
}
