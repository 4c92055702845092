import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createTestMcpServer, ToolRegistry } from './mcp-test-tools.fixture.js';

// A stdio MCP server, one process per user session. The user's token arrives in the environment
// (MCP_BEARER_TOKEN); MCP_TEST_TOKENS maps tokens to users, as an identity provider would.
const tokens = JSON.parse(process.env.MCP_TEST_TOKENS ?? '{}') as Record<string, string>;
const token = process.env.MCP_BEARER_TOKEN;
const registry = new ToolRegistry();
const server = createTestMcpServer(registry, () => ({
  user: token !== undefined ? tokens[token] : undefined,
  token,
}));
await server.connect(new StdioServerTransport());
