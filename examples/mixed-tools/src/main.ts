import { InMemoryAuditLog } from '@tristack/core';
import { createMixedTools, runScenario } from './mixed-tools.js';

// Without ARCADE_API_KEY, Arcade is the fake engine of @tristack/testing (a devDependency) in this process.
const offline = process.env.ARCADE_API_KEY
  ? undefined
  : await (await import('@tristack/testing/fake-arcade')).FakeArcadeServer.start();
const auditLog = new InMemoryAuditLog();
const { tools, close } = createMixedTools({
  arcade: offline ? offline.clientOptions : { apiKey: process.env.ARCADE_API_KEY! },
  auditLog,
});
try {
  const listed = await tools.listTools({ userId: 'alice' });
  console.log('tools:', listed.map((tool) => `${tool.provider}:${tool.name}`).join(', '));
  for (const result of await runScenario(tools, 'alice')) {
    const detail =
      result.status === 'success'
        ? JSON.stringify(result.output)
        : result.status === 'tool_error'
          ? result.error.message
          : result.status === 'approval_required'
            ? result.approval.reason
            : result.status;
    console.log(`${result.provider}:${result.toolName} → ${result.status} ${detail}`);
  }
  const { events } = await auditLog.query({ tenantId: 'default', limit: 100 });
  console.log('audit trail:');
  for (const event of events) {
    const data = event.data as { provider?: string; tool?: string; decision?: string; outcome?: string };
    console.log(`  ${event.type} ${data.provider}:${data.tool} ${data.decision ?? data.outcome ?? ''}`);
  }
} finally {
  await close();
  await offline?.close();
}
