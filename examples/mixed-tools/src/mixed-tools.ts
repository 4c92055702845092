import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  CompositeToolProvider,
  defineLocalTool,
  LocalToolProvider,
  StaticToolPolicy,
  type AuditLog,
  type ToolResult,
} from '@tristack/core';
import { ArcadeToolProvider } from '@tristack/arcade';
import { McpToolProvider } from '@tristack/mcp';

const NOTES_SERVER = fileURLToPath(new URL('./notes-server.ts', import.meta.url));

/**
 * Three kinds of tools behind one `ToolProvider`, under one policy and one audit trail: Arcade's
 * `Math.Add`, the notes MCP server (one stdio process per user, started with that user's token) and a
 * local function.
 */
export function createMixedTools(options: {
  arcade: { apiKey: string; baseURL?: string };
  auditLog: AuditLog;
}) {
  const policy = new StaticToolPolicy({
    // Destructive tools (MCP's `destructiveHint`) need a human; nobody may call Gmail from here.
    rules: [{ approval: 'destructive', denyTools: ['Gmail_SendEmail'] }],
  });
  const governance = { policy, auditLog: options.auditLog };
  const arcade = new ArcadeToolProvider({ ...options.arcade, toolkits: ['Math'], ...governance });
  const notes = new McpToolProvider({
    name: 'notes',
    transport: { type: 'stdio', command: process.execPath, args: ['--import', 'tsx', NOTES_SERVER] },
    // In production: the user's token from your session store, never from the model.
    credentials: ({ userId }) => ({ bearerToken: `demo-token-${userId}` }),
    toolNamePrefix: 'notes',
    ...governance,
  });
  const local = new LocalToolProvider({
    tools: [
      defineLocalTool({
        name: 'word_count',
        description: 'Counts the words of a text.',
        input: z.object({ text: z.string() }),
        behavior: { readOnly: true, idempotent: true },
        execute: ({ text }) => text.split(/\s+/).filter(Boolean).length,
      }),
    ],
    ...governance,
  });
  return {
    tools: new CompositeToolProvider({ providers: [arcade, notes, local] }),
    close: () => notes.close(),
  };
}

/** The scripted session `npm start` prints: each tool kind once, and an approval for a destructive one. */
export async function runScenario(tools: CompositeToolProvider, userId: string): Promise<ToolResult[]> {
  const call = (toolName: string, input: Record<string, unknown> = {}, approvedBy?: string) =>
    tools.execute({ userId, toolName, input, ...(approvedBy ? { approval: { approvedBy } } : {}) });
  return [
    await call('Math_Add', { a: 2, b: 3 }),
    await call('notes_add_note', { text: 'call the customer back' }),
    await call('notes_list_notes'),
    await call('word_count', { text: 'one policy, one audit trail' }),
    await call('notes_delete_notes'), // approval_required
    await call('notes_delete_notes', {}, 'manager-1'),
  ];
}
