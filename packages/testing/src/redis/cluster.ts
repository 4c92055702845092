import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { freePort, spawnRedisServer, type SpawnedServer } from './server-process.js';

export interface SpawnedCluster {
  /** `redis://127.0.0.1:<port>` of each master. */
  urls: string[];
  stop(): Promise<void>;
}

const SLOTS = 16384;

/**
 * Builds a Redis Cluster of `masters` nodes on loopback from one server command: spawns the
 * nodes with `--cluster-enabled yes`, splits the slots evenly, joins them with CLUSTER MEET
 * and waits for `cluster_state:ok` on every node.
 */
export async function spawnRedisCluster(command: string, masters = 3): Promise<SpawnedCluster> {
  const nodes: SpawnedServer[] = [];
  // A fresh folder per cluster: a node that found an old nodes.conf would come up with stale slots.
  const configDir = mkdtempSync(join(tmpdir(), 'tristack-cluster-'));
  const removeConfig = () => rmSync(configDir, { recursive: true, force: true });
  try {
    for (let index = 0; index < masters; index++) {
      const port = await freePort(10000);
      nodes.push(
        await spawnRedisServer(
          command,
          [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(configDir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '2000',
          ],
          { port },
        ),
      );
    }
    const clients = await Promise.all(
      nodes.map(async (node) => {
        const client = createClient({ url: node.url });
        client.on('error', () => {});
        await client.connect();
        return client;
      }),
    );
    try {
      const perNode = Math.ceil(SLOTS / masters);
      await Promise.all(
        clients.map((client, index) => {
          const slots: string[] = [];
          for (let slot = index * perNode; slot < Math.min(SLOTS, (index + 1) * perNode); slot++)
            slots.push(String(slot));
          return client.sendCommand(['CLUSTER', 'ADDSLOTS', ...slots]);
        }),
      );
      for (const node of nodes.slice(1)) {
        await clients[0]!.sendCommand(['CLUSTER', 'MEET', '127.0.0.1', String(node.port)]);
      }
      const deadline = Date.now() + 20_000;
      for (;;) {
        const infos = await Promise.all(clients.map((client) => client.sendCommand(['CLUSTER', 'INFO'])));
        const ready = infos.every(
          (info) =>
            String(info).includes('cluster_state:ok') &&
            String(info).includes(`cluster_known_nodes:${masters}`),
        );
        if (ready) break;
        if (Date.now() > deadline)
          throw new Error(`[tristack] [harness] cluster did not reach cluster_state:ok`);
        await sleep(100);
      }
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    removeConfig();
    throw error;
  }
  return {
    urls: nodes.map((node) => node.url),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      removeConfig();
    },
  };
}
