import { describe, expect, it } from 'vitest';
import { requiresServer, useRedis } from './use-redis.js';

const redis = useRedis();

describe(`Redis harness (${redis.server.kind}: ${redis.server.server} ${redis.server.version})`, () => {
  it('round-trips a value through the real server', async () => {
    await redis.client.set('harness:key', 'value');
    expect(await redis.client.get('harness:key')).toBe('value');
    expect(await redis.client.dbSize()).toBe(1);
  });

  it('starts every test on an empty database', async () => {
    expect(await redis.client.dbSize()).toBe(0);
  });

  it('owns a logical database other than 0', async () => {
    expect(redis.database).toBeGreaterThan(0);
    const info = String(await redis.client.sendCommand(['CLIENT', 'INFO']));
    expect(info).toContain(`db=${redis.database}`);
  });

  describe.runIf(requiresServer({ redis: '8.0' }, 'Vector Sets'))('Vector Sets', () => {
    it('answers VADD and VSIM', async () => {
      await redis.client.sendCommand(['VADD', 'harness:vectors', 'VALUES', '2', '1', '0', 'a']);
      await redis.client.sendCommand(['VADD', 'harness:vectors', 'VALUES', '2', '0', '1', 'b']);
      const similar = (await redis.client.sendCommand([
        'VSIM',
        'harness:vectors',
        'VALUES',
        '2',
        '1',
        '0.1',
      ])) as string[];
      expect(similar[0]).toBe('a');
    });
  });
});
