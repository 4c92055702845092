import type { AuditEvent } from '@tristack/core';
import { RedisAuditLog, RedisConversationMemory } from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { runInProcess } from './run-cli.fixture.js';

const redis = useRedis();

function tristack(...args: string[]) {
  return runInProcess(['--url', `${redis.url}/${redis.database}`, ...args]);
}

/** Alice and Bob of one tenant, each with a conversation '1' (conversation ids are per user). */
async function seedTwoUsersOneConversationId(): Promise<void> {
  const log = new RedisAuditLog({ client: redis.client });
  const memory = new RedisConversationMemory({ client: redis.client });
  for (const user of ['alice', 'bob']) {
    await memory.append({ tenantId: 'acme', userId: user, conversationId: '1' }, [
      { role: 'user', content: `${user} msg` },
    ]);
    await log.record({
      type: 'tool.call.executed',
      tenantId: 'acme',
      userId: user,
      conversationId: '1',
      data: { tool: `${user}.Tool` },
    });
  }
}

describe('tristack audit/inspect conversation: a conversation is a user’s', () => {
  it('audit conversation <user> <conversation> shows that user’s events only', async () => {
    await seedTwoUsersOneConversationId();
    const run = await tristack('audit', 'conversation', 'alice', '1', '--tenant', 'acme', '--json');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const page = JSON.parse(run.stdout) as { userId: string; conversationId: string; events: AuditEvent[] };
    expect(page).toMatchObject({ userId: 'alice', conversationId: '1' });
    expect(page.events.map((event) => `${event.userId}:${String(event.data['tool'])}`)).toEqual([
      'alice:alice.Tool',
    ]);
    const text = await tristack('audit', 'conversation', 'bob', '1', '--tenant', 'acme');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('bob.Tool');
    expect(text.stdout).not.toContain('alice');
  });

  it('inspect conversation <user> <conversation> shows that user’s memory and audit events only', async () => {
    await seedTwoUsersOneConversationId();
    const run = await tristack('inspect', 'conversation', 'alice', '1', '--tenant', 'acme', '--json');
    expect(run.code).toBe(0);
    const state = JSON.parse(run.stdout) as {
      memory: { messages: { content: string }[] };
      auditEvents: AuditEvent[];
    };
    expect(state.memory.messages.map((message) => message.content)).toEqual(['alice msg']);
    expect(state.auditEvents.map((event) => event.userId)).toEqual(['alice']);
  });

  it('a conversation without its user is a usage error (exit 2), not a tenant-wide trail', async () => {
    await seedTwoUsersOneConversationId();
    const trail = await tristack('audit', 'conversation', '1', '--tenant', 'acme');
    expect(trail).toMatchObject({ code: 2, stdout: '' });
    expect(trail.stderr).toContain('audit conversation takes <user-id> <conversation-id>');
    const exported = await tristack('audit', 'export', 'acme', '--conversation', '1');
    expect(exported).toMatchObject({ code: 2, stdout: '' });
    expect(exported.stderr).toContain('--conversation needs --user');
    const scoped = await tristack('audit', 'export', 'acme', '--conversation', '1', '--user', 'bob');
    expect(scoped.code).toBe(0);
    const lines = scoped.stdout.trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as AuditEvent).userId)).toEqual(['bob']);
  });
});
