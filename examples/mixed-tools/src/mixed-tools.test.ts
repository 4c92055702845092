import { describe, expect, it } from 'vitest';
import { InMemoryAuditLog } from '@tristack/core';
import { FakeArcadeServer } from '@tristack/testing/fake-arcade';
import { createMixedTools, runScenario } from './mixed-tools.js';

describe('mixed tools example', () => {
  it('runs Arcade, MCP (stdio) and local tools under one policy and one audit trail', async () => {
    const arcade = await FakeArcadeServer.start();
    const auditLog = new InMemoryAuditLog();
    const { tools, close } = createMixedTools({ arcade: arcade.clientOptions, auditLog });
    try {
      const listed = (await tools.listTools({ userId: 'alice' })).map(
        (tool) => `${tool.provider}:${tool.name}`,
      );
      expect(listed).toEqual([
        'arcade:Math_Add',
        'notes:notes_add_note',
        'notes:notes_list_notes',
        'notes:notes_delete_notes',
        'local:word_count',
      ]);
      const results = await runScenario(tools, 'alice');
      expect(results.map((result) => `${result.provider}:${result.status}`)).toEqual([
        'arcade:success',
        'notes:success',
        'notes:success',
        'local:success',
        'notes:approval_required',
        'notes:success',
      ]);
      expect(results[1]).toMatchObject({ output: 'alice has 1 note(s)' });
      expect(results[3]).toMatchObject({ output: 5 });
      const { events } = await auditLog.query({ tenantId: 'default', limit: 100 });
      const providers = new Set(events.map((event) => (event.data as { provider?: string }).provider));
      expect(providers).toEqual(new Set(['arcade', 'notes', 'local']));
      expect((await auditLog.verify()).valid).toBe(true);
    } finally {
      await close();
      await arcade.close();
    }
  });
});
