import type { AuditEvent, ConversationSummary, StoredMessage } from '@tristack/core';
import { RedisConversationMemory, redisKey, toRedisConnection } from '@tristack/redis';
import { type CliCommand, type CliContext, UsageError, parseCount, tableFor } from '../command.js';
import { formatDuration, formatTime, oneLine } from '../output.js';
import { auditLogOf } from './audit-log-of.js';
import { renderTrail } from './audit-trail.js';

interface LeaseState {
  resource: string;
  held: boolean;
  holderId?: string;
  fencingToken?: number;
  ttlMs?: number;
}

/**
 * The lease hash as `RedisConversationLease` keeps it (`<prefix>:lease:{<resource>}`: holder,
 * fence; PEXPIRE = the lease's TTL). The lease interface has no read-only lookup, so the CLI
 * reads the hash itself (two reads, pipelined by node-redis).
 */
async function readLease(context: CliContext, resource: string): Promise<LeaseState> {
  const connection = toRedisConnection(await context.redis());
  const key = redisKey(context.prefix, 'lease', resource);
  const [fields, ttl] = await Promise.all([
    connection.sendCommand(['HMGET', key, 'holder', 'fence'], { key, readonly: true }) as Promise<
      (string | null)[]
    >,
    connection.sendCommand(['PTTL', key], { key, readonly: true }) as Promise<number>,
  ]);
  const [holderId, fence] = fields;
  if (!holderId) return { resource, held: false };
  return {
    resource,
    held: true,
    holderId,
    fencingToken: Number(fence),
    ...(Number(ttl) >= 0 ? { ttlMs: Number(ttl) } : {}),
  };
}

function messageText(message: StoredMessage): string {
  const content =
    typeof message.content === 'string'
      ? message.content
      : message.content
          .map((block) => (typeof block['text'] === 'string' ? block['text'] : `[${block.type}]`))
          .join(' ');
  const calls = message.toolCalls?.length
    ? ` → ${message.toolCalls.map((call) => call.name).join(', ')}()`
    : '';
  return oneLine(content, 100) + calls;
}

export const inspectConversationCommand: CliCommand = {
  path: ['inspect', 'conversation'],
  usage: '<user-id> <conversation-id>',
  summary: "a conversation's live state: memory (messages, TTL left), lease holder, recent audit events",
  options: {
    messages: { type: 'string', value: 'n', description: 'last messages shown (default 20)' },
    events: { type: 'string', value: 'n', description: 'recent audit events shown (default 20)' },
    lease: {
      type: 'string',
      value: 'resource',
      description: 'lease resource of the conversation (default: the conversation id)',
    },
  },
  async run(context) {
    const [userId, conversationId, ...extra] = context.args;
    if (!userId || !conversationId || extra.length > 0)
      throw new UsageError('inspect conversation takes <user-id> <conversation-id>');
    const messageCount = parseCount(context.options['messages'], 'messages', 20);
    const eventCount = parseCount(context.options['events'], 'events', 20);
    const leaseResource =
      typeof context.options['lease'] === 'string' ? context.options['lease'] : conversationId;
    const tenant = context.options['tenant'] === undefined ? {} : { tenantId: context.tenantId };
    const client = await context.redis();
    const memory = new RedisConversationMemory({ client, prefix: context.prefix });
    const address = { ...tenant, userId, conversationId };
    const log = await auditLogOf(context);
    const [messages, summaries, lease, page] = await Promise.all([
      memory.read(address, { last: messageCount }),
      memory.listConversations({ ...tenant, userId }, { limit: 10_000 }),
      readLease(context, leaseResource),
      log.query({ tenantId: context.tenantId, conversationId, order: 'desc', limit: eventCount }),
    ]);
    const summary: ConversationSummary | undefined = summaries.find(
      (entry) => entry.conversationId === conversationId,
    );
    const now = Date.now();
    const events: AuditEvent[] = page.events.reverse();
    if (context.json) {
      const memoryState = summary
        ? {
            messageCount: summary.messageCount,
            lastActivityAt: summary.lastActivityAt,
            expiresAt: summary.expiresAt,
            ttlMs: Math.max(0, summary.expiresAt - now),
          }
        : { messageCount: 0 };
      context.out(
        `${JSON.stringify({ tenantId: context.tenantId, userId, conversationId, memory: { ...memoryState, messages }, lease, auditEvents: events }, null, 2)}\n`,
      );
      return 0;
    }
    const { style } = context;
    context.out(
      `${style.bold('conversation')} ${conversationId} of user ${userId}${tenant.tenantId ? ` (tenant ${tenant.tenantId})` : ''}\n\n`,
    );
    context.out(style.bold('memory') + '\n');
    if (!summary) context.out('  no messages (expired, cleared or never written)\n');
    else {
      context.out(
        `  ${summary.messageCount} message${summary.messageCount === 1 ? '' : 's'}, last activity ${formatTime(summary.lastActivityAt)}, TTL left ${formatDuration(summary.expiresAt - now)}\n`,
      );
      context.out(
        tableFor(
          context,
          ['TIME', 'ROLE', 'TOKENS', 'CONTENT'],
          messages.map((message) => [
            formatTime(message.createdAt),
            message.role,
            String(message.tokenCount),
            messageText(message),
          ]),
        ).replace(/^(?=.)/gm, '  '),
      );
    }
    context.out(`\n${style.bold('lease')} ${lease.resource}\n`);
    context.out(
      lease.held
        ? `  held by ${lease.holderId}, fencing token ${lease.fencingToken}${lease.ttlMs !== undefined ? `, expires in ${formatDuration(lease.ttlMs)}` : ''}\n`
        : '  free\n',
    );
    context.out(`\n${style.bold('recent audit events')} (tenant ${context.tenantId})\n`);
    if (events.length === 0) context.out('  none\n');
    else context.out(renderTrail(events, context).replace(/^(?=.)/gm, '  '));
    return 0;
  },
};
