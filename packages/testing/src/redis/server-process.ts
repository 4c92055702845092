import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';

export interface SpawnedServer {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (and, with `alsoPlus`, `port + alsoPlus` too: a cluster's bus port). */
export async function freePort(alsoPlus?: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (alsoPlus === undefined) return port;
    if (port + alsoPlus > 65535) continue;
    const busFree = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port + alsoPlus, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (busFree) return port;
  }
  throw new Error('[tristack] [harness] no free port pair found on 127.0.0.1');
}

/** Splits a command prefix like `ld.so --library-path /x /x/redis-server` into argv. */
export function splitCommand(command: string): string[] {
  return command.trim().split(/\s+/).filter(Boolean);
}

/** How many times a start that met a taken port is tried again. */
const BIND_ATTEMPTS = 5;

/** A start that failed because its port was taken (the server said so as it exited). */
class PortTakenError extends Error {}

/**
 * Spawns `command --port N --bind 127.0.0.1 --save "" --appendonly no …extraArgs` and waits
 * until it answers PING. Rejects with the server's own output when it fails to start. `command`
 * must run the server in its own process (exec it: a dynamic loader, `env` or `nice` do; a wrapper
 * that forks does not): the server that answers must report the spawned process's id.
 *
 * A free port is free only until someone binds it: another test file's server may take it between
 * `freePort` and the spawn, or, on a restart on the same port, while the server was down. A start
 * that meets a taken port is tried again — on a new port, or on the asked one after a pause.
 */
export async function spawnRedisServer(
  command: string,
  extraArgs: readonly string[] = [],
  options: { port?: number; startTimeoutMs?: number } = {},
): Promise<SpawnedServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnOnce(command, extraArgs, options.port ?? (await freePort()), options);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= BIND_ATTEMPTS) throw error;
      if (options.port !== undefined) await sleep(200 * attempt);
    }
  }
}

async function spawnOnce(
  command: string,
  extraArgs: readonly string[],
  port: number,
  options: { startTimeoutMs?: number },
): Promise<SpawnedServer> {
  const [file, ...prefixArgs] = splitCommand(command);
  if (!file) throw new Error('[tristack] [harness] empty server command');
  const args = [
    ...prefixArgs,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'no',
    ...extraArgs,
  ];
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`[tristack] [harness] cannot start \`${command}\`: ${error.message}`)),
    );
    // 'close', not 'exit': by then the server's last words (why it stopped) have been read.
    child.once('close', (code) => {
      const message = `[tristack] [harness] \`${command}\` exited with ${code} on port ${port}:\n${output}`;
      reject(output.includes('Address already in use') ? new PortTakenError(message) : new Error(message));
    });
  });
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  // Polls until the child answers; stopped when the start fails, so no probe outlives it (a
  // probe of a port held by something that never answers would hang).
  let probe: ReturnType<typeof createClient> | undefined;
  let abandoned = false;
  let answeredAs: string | undefined;
  const ready = (async () => {
    while (Date.now() < deadline && !abandoned) {
      probe = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
      probe.on('error', () => {});
      try {
        await probe.connect();
        if (abandoned) {
          probe.destroy();
          break;
        }
        // Only our child counts: another server holding the port answers PING too, while ours
        // exits with "Address already in use" (the start is then tried again).
        answeredAs = (await probe.info('server')).match(/^process_id:(\d+)/m)?.[1];
        // PING after INFO: a server still loading its data answers INFO, and PING with -LOADING.
        if (answeredAs === String(child.pid)) await probe.ping();
        await probe.close();
        if (answeredAs === String(child.pid)) return;
        await sleep(50);
      } catch {
        if (probe.isOpen) probe.destroy();
        await sleep(50);
      }
    }
    const other = answeredAs ? ` (process ${answeredAs} did: does the command exec the server?)` : '';
    throw new Error(
      `[tristack] [harness] \`${command}\` did not answer on port ${port} as process ${child.pid}${other}:\n${output}`,
    );
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (error) {
    abandoned = true;
    if (probe?.isOpen) probe.destroy();
    ready.catch(() => {});
    child.kill('SIGKILL');
    throw error;
  }
  exited.catch(() => {});
  return {
    url,
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
