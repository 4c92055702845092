import type { RedisArgument, RedisCommandOptions, RedisConnection } from '@tristack/core/driver-kit';

/** The node-redis client surface the recorder needs. */
interface CommandSender {
  sendCommand(args: readonly RedisArgument[]): Promise<unknown>;
}

export interface RecordingConnection extends RedisConnection {
  /** Every command sent, in order: each entry is one round trip. */
  readonly commands: string[][];
  /** Command names only, upper-cased: `['EVALSHA', 'EVAL']`. */
  names(): string[];
  clear(): void;
}

/**
 * A `RedisConnection` over a node-redis client that records each command it sends. Tests use it
 * to prove "one round trip per call" from the client's side, unaffected by other test workers
 * (INFO commandstats is server-wide).
 */
export function recordingConnection(client: CommandSender): RecordingConnection {
  const commands: string[][] = [];
  return {
    commands,
    names: () => commands.map((command) => command[0]!.toUpperCase()),
    clear: () => {
      commands.length = 0;
    },
    sendCommand(args: readonly RedisArgument[], _options?: RedisCommandOptions) {
      commands.push(args.map((arg) => (typeof arg === 'string' ? arg : arg.toString('utf8'))));
      return client.sendCommand(args);
    },
  };
}
