import { once } from 'node:events';
import { RedisAuditLog } from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { spawnBinary } from './run-cli.fixture.js';

const redis = useRedis();

describe('tristack audit export | head -1', () => {
  it('exits quietly with code 0 when the reader closes the pipe after the first line', async () => {
    // Far more than a pipe buffers (64 KiB), so the export is still writing when the reader leaves.
    const log = new RedisAuditLog({ client: redis.client, defaultTenantId: 'acme' });
    const padding = 'x'.repeat(2_000);
    for (let batch = 0; batch < 4; batch += 1)
      await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          log.record({ type: 'cache.miss', userId: 'alice', data: { index, padding } }),
        ),
      );

    const child = spawnBinary(['--url', `${redis.url}/${redis.database}`, 'audit', 'export', 'acme']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let firstLine = '';
    for await (const chunk of child.stdout) {
      firstLine += (chunk as Buffer).toString();
      if (firstLine.includes('\n')) break; // Leaving the loop destroys the stream: the pipe closes.
    }
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    expect(JSON.parse(firstLine.slice(0, firstLine.indexOf('\n')))).toMatchObject({ type: 'cache.miss' });
    expect(stderr).toBe('');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  }, 90_000);
});
