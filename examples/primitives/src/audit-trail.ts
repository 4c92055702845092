import { RedisAuditLog, type RedisClientInput } from '@tristack/redis';

/** A tamper-evident audit trail: append events, read a conversation back, verify the hash chain. */
export function auditTrail(client: RedisClientInput) {
  const log = new RedisAuditLog({ client, defaultTenantId: 'acme' });
  return {
    toolCalled: (userId: string, conversationId: string, tool: string, apiKey: string) =>
      log.record({
        type: 'tool.call.requested',
        userId,
        conversationId,
        data: { tool, arguments: { apiKey, query: 'open issues' } }, // apiKey is redacted before storing
      }),
    // Conversation ids are per user, so a conversation is read back with its user.
    conversation: async (userId: string, conversationId: string) =>
      (await log.query({ userId, conversationId })).events,
    verify: () => log.verify(),
  };
}
