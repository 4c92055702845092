import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';

// The tools every test MCP server (HTTP or stdio) serves, built on the SDK's low-level `Server`
// so the tests control pagination, annotations, progress and cancellation exactly.

/** What the server saw on one call: the user its credentials belong to, and who the caller meant. */
export interface RecordedCall {
  tool: string;
  sawUser: string | undefined;
  expectedUser?: string;
}

/** State shared by every session of one test server. */
export class ToolRegistry {
  readonly calls: RecordedCall[] = [];
  readonly cancelled: string[] = [];
  readonly counters = new Map<string, number>();
  readonly extraTools: string[] = [];
  /** Tools with their own definition (hostile names or schemas), listed after the rest. */
  readonly extraDefinitions: Tool[] = [];
  readonly servers = new Set<Server>();

  /** Adds a tool and tells every connected session (`notifications/tools/list_changed`). */
  async addTool(name: string): Promise<void> {
    this.extraTools.push(name);
    await Promise.all([...this.servers].map((server) => server.sendToolListChanged().catch(() => undefined)));
  }

  /** Calls where the credentials' user differs from the user the caller acted for. */
  get crossUserCalls(): number {
    return this.calls.filter((call) => call.expectedUser !== undefined && call.sawUser !== call.expectedUser)
      .length;
  }
}

const object = (properties: Record<string, object> = {}, required: string[] = []) => ({
  type: 'object' as const,
  properties,
  ...(required.length ? { required } : {}),
});

function toolsOf(registry: ToolRegistry): Tool[] {
  return [
    {
      name: 'whoami',
      description: 'The user whose credentials reached the server.',
      inputSchema: object({ expectedUser: { type: 'string' } }),
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    {
      name: 'rich',
      description: 'Every kind of content block.',
      inputSchema: object(),
      annotations: { readOnlyHint: true },
    },
    {
      name: 'fail',
      description: 'Fails as a tool (isError).',
      inputSchema: object(),
      annotations: { readOnlyHint: true },
    },
    {
      name: 'crash',
      description: 'Fails as a protocol error.',
      inputSchema: object(),
      annotations: { readOnlyHint: true },
    },
    {
      name: 'progress',
      description: 'Reports three steps of progress.',
      inputSchema: object({ steps: { type: 'integer', minimum: 1 } }),
      annotations: { readOnlyHint: true },
    },
    {
      name: 'slow',
      description: 'Runs until cancelled.',
      inputSchema: object(),
      annotations: { readOnlyHint: true },
    },
    {
      name: 'counter',
      description: 'Counts its calls per user.',
      inputSchema: object({ label: { type: 'string' } }),
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    {
      name: 'delete_record',
      description: 'Deletes a record.',
      inputSchema: object({ id: { type: 'string' }, reason: { type: 'string' } }, ['id']),
      annotations: { destructiveHint: true },
    },
    {
      name: 'append_note',
      description: 'Appends a note (not destructive).',
      inputSchema: object(
        {
          note: { type: 'string', description: 'the text' },
          tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
          priority: { type: ['integer', 'null'] },
        },
        ['note'],
      ),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    },
    ...registry.extraTools.map((name) => ({
      name,
      description: `added later: ${name}`,
      inputSchema: object(),
      annotations: { readOnlyHint: true },
    })),
    ...registry.extraDefinitions,
  ];
}

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

/**
 * One server instance (one per session). `identity` says which user the request's credentials
 * belong to; `token` is the raw credential (the `fail` tool echoes it to prove it gets scrubbed).
 */
export function createTestMcpServer(
  registry: ToolRegistry,
  identity: (extra: { authInfo?: { token: string; extra?: Record<string, unknown> } }) => {
    user: string | undefined;
    token: string | undefined;
  },
): Server {
  const server = new Server(
    { name: 'tristack-test-server', version: '1.0.0' },
    { capabilities: { tools: { listChanged: true } } },
  );
  registry.servers.add(server);
  server.onclose = () => void registry.servers.delete(server);
  const PAGE = 3;
  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    const all = toolsOf(registry);
    const offset = Number(request.params?.cursor ?? 0);
    const page = all.slice(offset, offset + PAGE);
    return offset + PAGE < all.length ? { tools: page, nextCursor: String(offset + PAGE) } : { tools: page };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { user, token } = identity(extra as never);
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    const name = request.params.name;
    registry.calls.push({
      tool: name,
      sawUser: user,
      ...(typeof args.expectedUser === 'string' ? { expectedUser: args.expectedUser } : {}),
    });
    const progressToken = request.params._meta?.progressToken;
    switch (name) {
      case 'whoami':
        return { ...text(user ?? 'anonymous'), structuredContent: { user: user ?? null } };
      case 'rich':
        return {
          content: [
            { type: 'text', text: 'a chart' },
            { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' },
            { type: 'resource_link', uri: 'file:///report.csv', name: 'report', mimeType: 'text/csv' },
            { type: 'resource', resource: { uri: 'memo://1', mimeType: 'text/plain', text: 'memo' } },
          ],
          structuredContent: { rows: 2 },
        };
      case 'fail':
        return { ...text(`quota exceeded for credential ${token ?? '(none)'}`), isError: true };
      case 'crash':
        throw new McpError(ErrorCode.InternalError, `kaboom with ${token ?? '(none)'}`);
      case 'progress': {
        const steps = typeof args.steps === 'number' ? args.steps : 3;
        for (let step = 1; step <= steps; step++) {
          if (progressToken !== undefined) {
            await extra.sendNotification({
              method: 'notifications/progress',
              params: { progressToken, progress: step, total: steps, message: `step ${step}` },
            });
          }
        }
        return text('done');
      }
      case 'slow':
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 15_000);
          extra.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            registry.cancelled.push(user ?? 'anonymous');
            resolve();
          });
        });
        return text('finished');
      case 'counter': {
        const count = (registry.counters.get(user ?? '') ?? 0) + 1;
        registry.counters.set(user ?? '', count);
        return text(`${user}:${count}`);
      }
      case 'delete_record':
        return text(`deleted ${String(args.id)}`);
      case 'append_note':
        return { ...text('appended'), structuredContent: { received: args } };
      case 'echo_credential':
        // A server that echoes the caller's credential in its output and progress.
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: 1, message: `using ${token ?? '(none)'}` },
          });
        }
        return { ...text(`signed in with ${token ?? '(none)'}`), structuredContent: { token } };
      case 'progress_forever':
        // Reports progress until the client cancels: only a total timeout ends it.
        for (let step = 1; !extra.signal.aborted; step++) {
          if (progressToken === undefined) break;
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: step },
          });
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        registry.cancelled.push(user ?? 'anonymous');
        return text('stopped');
      case 'huge':
        return text('x'.repeat(typeof args.bytes === 'number' ? args.bytes : 1024));
      default:
        if (
          registry.extraTools.includes(name) ||
          registry.extraDefinitions.some((tool) => tool.name === name)
        )
          return text(`${name} ran`);
        throw new McpError(ErrorCode.InvalidParams, `unknown tool ${name}`);
    }
  });
  return server;
}
