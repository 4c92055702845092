import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { restartableServerCommand } from '../fleet/restartable-server.js';
import { freePort, spawnRedisServer } from './server-process.js';

const command = restartableServerCommand();

/** A plain TCP listener on the port: it accepts connections and never answers. */
function hold(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
const sockets = new Set<Socket>();

/** Closes the holder and whatever connected to it (a server's close waits for its connections). */
function release(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of sockets) socket.destroy();
  return closed;
}

describe.runIf(command)('spawnRedisServer on a port someone else holds', () => {
  it('starts on the asked port once its holder lets it go (a restart racing another process)', async () => {
    const port = await freePort();
    const holder = await hold(port);
    setTimeout(() => void release(holder), 150);
    const server = await spawnRedisServer(command!, [], { port });
    try {
      expect(server.port).toBe(port);
    } finally {
      await server.stop();
    }
  });

  it('gives up with the server’s own reason when the port stays taken', async () => {
    const port = await freePort();
    const holder = await hold(port);
    try {
      await expect(spawnRedisServer(command!, [], { port })).rejects.toThrow(/Address already in use/);
    } finally {
      await release(holder);
    }
  });

  it('does not take another Redis on the port for its own (that one answers PING too)', async () => {
    const other = await spawnRedisServer(command!);
    try {
      await expect(spawnRedisServer(command!, [], { port: other.port })).rejects.toThrow(
        /Address already in use/,
      );
      // The other server is untouched.
      expect(other.process.exitCode).toBeNull();
    } finally {
      await other.stop();
    }
  });
});
