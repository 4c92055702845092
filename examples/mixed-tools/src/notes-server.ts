import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

// A small MCP server (stdio): per-user notes. The client starts one process per user and passes that
// user's token in MCP_BEARER_TOKEN; a real server would verify it with its identity provider.
const token = process.env.MCP_BEARER_TOKEN ?? '';
const user = token.startsWith('demo-token-') ? token.slice('demo-token-'.length) : 'anonymous';
const notes: string[] = [];

const server = new McpServer({ name: 'notes', version: '1.0.0' });
server.registerTool(
  'add_note',
  {
    description: 'Adds a note for the current user.',
    inputSchema: { text: z.string().min(1) },
    annotations: { readOnlyHint: false, destructiveHint: false },
  },
  async ({ text }) => {
    notes.push(text);
    return { content: [{ type: 'text', text: `${user} has ${notes.length} note(s)` }] };
  },
);
server.registerTool(
  'list_notes',
  {
    description: "Lists the current user's notes.",
    annotations: { readOnlyHint: true, idempotentHint: true },
  },
  async () => ({
    content: [{ type: 'text', text: notes.join('\n') || '(none)' }],
    structuredContent: { user, notes },
  }),
);
server.registerTool(
  'delete_notes',
  { description: "Deletes all the current user's notes.", annotations: { destructiveHint: true } },
  async () => {
    notes.length = 0;
    return { content: [{ type: 'text', text: 'deleted' }] };
  },
);
await server.connect(new StdioServerTransport());
