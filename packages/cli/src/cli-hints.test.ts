import { RedisAuditLog, RedisConversationMemory, RedisJobQueue } from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { runBinary, runInProcess } from './run-cli.fixture.js';

const redis = useRedis();

function tristack(...args: string[]) {
  return runInProcess(['--url', `${redis.url}/${redis.database}`, ...args]);
}

async function recordFor(tenantId: string): Promise<void> {
  const log = new RedisAuditLog({ client: redis.client, defaultTenantId: tenantId });
  await log.record({ userId: 'alice', conversationId: 'c-1', runId: 'run-1', type: 'cache.miss', data: {} });
}

describe('tristack group words alone list their commands', () => {
  it.each(['audit', 'inspect', 'cache'])(
    '`tristack %s` prints its subcommands on stdout, exit 0',
    async (group) => {
      const run = await runInProcess([group]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toContain(`usage: tristack ${group} <command>`);
      expect(run.stdout).toContain(`${group} commands:`);
      const listed = run.stdout.split('\n').filter((line) => line.startsWith(`  ${group} `));
      expect(listed.length).toBeGreaterThan(0);
      // Only that group's commands.
      expect(run.stdout).not.toMatch(new RegExp(`^  (?!${group} )\\w+ \\w+`, 'm'));
    },
  );

  it('lists the audit commands for `audit --help` too, and after an unknown audit subcommand', async () => {
    const help = await runInProcess(['audit', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}audit verify \[tenant\]\s+check a tenant/m);
    const unknown = await runInProcess(['audit', 'frob']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toContain('unknown command "audit frob"');
    expect(unknown.stderr).toMatch(/^ {2}audit run <run-id>/m);
  });

  it('the real binary answers `tristack inspect` with the listing', async () => {
    const run = await runBinary(['inspect']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^ {2}inspect queue \[queue-name\]/m);
  }, 60_000);
});

describe('tristack says when a name does not exist', () => {
  it('audit verify of a misspelt tenant: no chain, the tenants that exist, exit 1', async () => {
    await recordFor('acme');
    await recordFor('globex');
    const misspelt = await tristack('audit', 'verify', 'acmee');
    expect(misspelt).toMatchObject({ code: 1, stdout: '' });
    expect(misspelt.stderr).toBe(
      'tristack: no audit chain for tenant "acmee" (nothing was recorded for it)\n' +
        'tenants with an audit chain: acme, globex\n',
    );
    // The default tenant, never written: the same, not "valid, 0 entries checked".
    const missing = await tristack('audit', 'verify');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no audit chain for tenant "default"');
    const json = await tristack('audit', 'verify', 'acmee', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ tenantId: 'acmee', checked: 0 });
    // A real chain still verifies.
    expect(await tristack('audit', 'verify', 'acme')).toMatchObject({ code: 0 });
  });

  it('audit verify on an empty store says no tenant has a chain', async () => {
    const run = await tristack('audit', 'verify', 'acme');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no tenant has an audit chain under prefix tristack');
  });

  it('an audit trail in a tenant without a chain hints at the tenants, exit 1; an unknown id in a real tenant is just empty', async () => {
    await recordFor('acme');
    const wrongTenant = await tristack('audit', 'conversation', 'alice', 'c-1', '--tenant', 'acmee');
    expect(wrongTenant.code).toBe(1);
    expect(wrongTenant.stdout).toBe('no audit events for conversation c-1 of user alice in tenant acmee\n');
    expect(wrongTenant.stderr).toContain('tenants with an audit chain: acme');
    const unknownId = await tristack('audit', 'conversation', 'alice', 'c-9', '--tenant', 'acme');
    expect(unknownId).toMatchObject({ code: 0, stderr: '' });
  });

  it('inspect queue of a missing queue: not found and the queues that exist, instead of zeros', async () => {
    const queue = new RedisJobQueue({ client: redis.client });
    try {
      await queue.enqueue('emails', { index: 1 });
      await queue.enqueue('reports', { index: 2 });
    } finally {
      await queue.close();
    }
    const run = await tristack('inspect', 'queue', 'emials');
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe('tristack: queue not found: emials\nqueues: emails, reports\n');
    expect(await tristack('inspect', 'queue', 'emails')).toMatchObject({ code: 0 });
  });

  it('inspect conversation without messages says so and lists the user’s conversations', async () => {
    const memory = new RedisConversationMemory({ client: redis.client });
    await memory.append({ userId: 'alice', conversationId: 'c-1' }, [{ role: 'user', content: 'hi' }]);
    const run = await tristack('inspect', 'conversation', 'alice', 'c-9');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '  no messages (expired, cleared or never written)\n  conversations of user alice: c-1\n',
    );
    const nobody = await tristack('inspect', 'conversation', 'bob', 'c-1');
    expect(nobody.stdout).toContain('  user bob has no conversation in memory\n');
  });
});
