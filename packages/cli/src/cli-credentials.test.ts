import { findServerSource, freePort, spawnRedisServer, type SpawnedServer } from '@tristack/testing/redis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBinary, runInProcess } from './run-cli.fixture.js';

const PASSWORD = 'Sup3r-Secret-PW';
// A server of our own that wants a password (the shared test server must not be reconfigured).
const command = findServerSource('default')?.command;
if (!command) console.warn('[tristack] NOT RUN: the auth-failure cases need a redis-server command to spawn');

let server: SpawnedServer | undefined;
beforeAll(async () => {
  if (!command) return;
  server = await spawnRedisServer(command);
  // Set after start: the spawner's readiness PING goes without a password.
  const admin = createClient({ url: server.url });
  await admin.connect();
  await admin.configSet('requirepass', PASSWORD);
  await admin.close();
}, 30_000);
afterAll(async () => {
  await server?.stop();
});

function expectMasked(stderr: string, ...secrets: string[]): void {
  for (const secret of secrets) expect(stderr).not.toContain(secret);
  expect(stderr).toContain('***');
}

describe('tristack never prints the password of its Redis URL', () => {
  it('masks it when the port refuses, the host does not resolve or the URL is malformed', async () => {
    const refused = await freePort();
    const cases: { url: string; code: number; says: string | RegExp; secrets?: string[] }[] = [
      { url: `redis://admin:${PASSWORD}@127.0.0.1:${refused}`, code: 1, says: 'redis://admin:***@127.0.0.1' },
      {
        url: `redis://:${PASSWORD}@127.0.0.1:${refused}`,
        code: 1,
        says: `redis://:***@127.0.0.1:${refused}`,
      },
      { url: `redis://${PASSWORD}@127.0.0.1:${refused}`, code: 1, says: 'redis://***@127.0.0.1' },
      {
        url: `redis://:${PASSWORD}@no-such-host.invalid:6379`,
        code: 1,
        says: 'redis://:***@no-such-host.invalid',
      },
      { url: `redis://:${PASSWORD}@127.0.0.1:not-a-port`, code: 2, says: 'not a valid URL' },
      // A URL parser reads `ss` as the host and the rest as a path: the whole secret is still masked.
      {
        url: `redis://:p@ss/${PASSWORD}@127.0.0.1:${refused}`,
        code: 1,
        says: 'cannot connect to redis://:***@',
        secrets: ['p@ss'],
      },
      { url: `redis://:${PASSWORD}#frag@127.0.0.1:6379`, code: 2, says: 'not a valid URL' },
      {
        url: `http://user:${PASSWORD}@127.0.0.1:6379`,
        code: 2,
        says: 'expected a redis:// or rediss:// URL',
      },
    ];
    const runs = await Promise.all(
      cases.map((entry) => runInProcess(['--url', entry.url, 'audit', 'verify'])),
    );
    runs.forEach((run, index) => {
      const entry = cases[index]!;
      expect({ url: entry.url, code: run.code }).toEqual({ url: entry.url, code: entry.code });
      expect(run.stderr).toContain(entry.says);
      expectMasked(run.stderr, PASSWORD, ...(entry.secrets ?? []));
    });
  }, 60_000);

  it('masks it in cluster seed lists and in URLs from the environment', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const cluster = await runInProcess([
      '--cluster',
      '--url',
      `redis://:${PASSWORD}@127.0.0.1:${a},redis://u:${PASSWORD}2@127.0.0.1:${b}`,
      'audit',
      'verify',
    ]);
    expect(cluster.code).toBe(1);
    expectMasked(cluster.stderr, PASSWORD);
    const fromEnv = await runInProcess(['audit', 'verify'], {
      env: { REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${a}` },
    });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toContain(`cannot connect to redis://:***@127.0.0.1:${a}`);
    expectMasked(fromEnv.stderr, PASSWORD);
  });

  describe.runIf(command)('against a server that requires a password', () => {
    it('masks it on a wrong password, an unknown user, TLS to a plain port and a missing password', async () => {
      const port = server!.port;
      const cases = [
        `redis://:${PASSWORD}-wrong@127.0.0.1:${port}`,
        `redis://nobody:${PASSWORD}@127.0.0.1:${port}`,
        `rediss://:${PASSWORD}@127.0.0.1:${port}`,
      ];
      const runs = await Promise.all(cases.map((url) => runInProcess(['--url', url, 'audit', 'verify'])));
      runs.forEach((run, index) => {
        expect({ url: cases[index], code: run.code }).toEqual({ url: cases[index], code: 1 });
        expect(run.stderr).toMatch(
          /^tristack: cannot connect to rediss?:\/\/[a-z]*:\*\*\*@127\.0\.0\.1:\d+: \S/,
        );
        expectMasked(run.stderr, PASSWORD);
      });
      expect(runs[0]!.stderr).toContain('WRONGPASS');
      expect(runs[1]!.stderr).toContain('WRONGPASS');
      const anonymous = await runInProcess(['--url', `redis://127.0.0.1:${port}`, 'audit', 'verify']);
      expect(anonymous.code).toBe(1);
      expect(anonymous.stderr).toContain('NOAUTH');
      // The right password works: the cases above failed for the reason they name.
      const right = await runInProcess([
        '--url',
        `redis://:${PASSWORD}@127.0.0.1:${port}`,
        'audit',
        'verify',
      ]);
      // Connected and read the store: an empty one has no chain to verify (exit 1, says so).
      expect(right).toMatchObject({ code: 1, stdout: '' });
      expect(right.stderr).toMatch(/^tristack: no audit chain for tenant "default"/);
    }, 60_000);

    it('masks it in the real binary’s output', async () => {
      const wrong = await runBinary([
        '--url',
        `redis://admin:${PASSWORD}@127.0.0.1:${server!.port}`,
        'audit',
        'verify',
      ]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(`cannot connect to redis://admin:***@127.0.0.1:${server!.port}`);
      expectMasked(wrong.stderr + wrong.stdout, PASSWORD);
    }, 60_000);
  });
});
