import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import type { AgentDrivers } from './drivers.js';
import { auditTrailOfRun, renderAuditTrail } from './print-audit-trail.js';
import { ScriptedSupportModel } from './scripted-model.js';
import { SupportAgent } from './support-agent.js';
import type { ToolCallingChatModel } from './tool-calling-chat-model.js';
import { createAgentTools } from './tools.js';

export interface InteractiveChatOptions {
  drivers: AgentDrivers;
  /** Real models in fallback order; the scripted model when empty. */
  models: readonly ToolCallingChatModel[];
  arcadeApiKey: string | undefined;
}

/** `pnpm demo --chat`: one conversation on stdin/stdout; `/audit` prints the trail, `/quit` ends. */
export async function runInteractiveChat(options: InteractiveChatOptions): Promise<void> {
  const runId = `chat-${randomUUID().slice(0, 8)}`;
  const userId = process.env['DEMO_USER_ID'] ?? 'me';
  const tools = await createAgentTools(options.drivers.auditLog, options.arcadeApiKey);
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  const [primary = new ScriptedSupportModel(), ...fallbacks] = options.models;
  const agent = await SupportAgent.create({
    drivers: options.drivers,
    tools: tools.provider,
    models: [primary, ...fallbacks],
    runId,
    longRunningTools: ['Reports_WeeklyDigest'],
    catalogUserId: userId,
    log: (line) => console.log(`   → ${line}`),
    async onAuthorization(request) {
      console.log(`   → authorize ${request.providerId ?? 'the tool'} here: ${request.url}`);
      if (tools.approveConsent) await tools.approveConsent(request.url);
      else await terminal.question('   press Enter once you have approved it in the browser ');
    },
  });
  const worker = await agent.startToolWorker();
  console.log(`Conversation ${runId} as "${userId}". /audit prints the audit trail, /quit ends.`);
  try {
    for (;;) {
      const line = (await terminal.question('you: ').catch(() => '/quit')).trim();
      if (line === '/quit') break;
      if (line === '/audit') {
        const trail = await auditTrailOfRun(options.drivers.auditLog, 'demo', runId);
        console.log(renderAuditTrail(trail.events, process.stdout.isTTY));
        continue;
      }
      if (!line) continue;
      const result = await agent.turn({ userId, conversationId: runId, text: line });
      if (result.status === 'rate_limited') console.log(`(rate limited: retry in ${result.retryAfterMs} ms)`);
      else
        console.log(
          `agent (${result.source === 'cache' ? 'semantic cache' : result.model}): ${result.content}`,
        );
    }
  } finally {
    terminal.close();
    agent.close();
    await worker.close({ timeoutMs: 1_000 });
    await tools.close();
  }
}
