import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidInputError, InvalidOptionsError } from '../errors.js';
import { CompositeToolProvider } from './composite-tool-provider.js';
import { defineLocalTool, LocalToolProvider } from './local-tool-provider.js';
import type { AuthorizationWaitResult, ToolProvider, WaitForAuthorizationRequest } from './tool-provider.js';

const tool = (name: string, answer: string) =>
  defineLocalTool({ name, description: name, input: z.object({}), execute: () => answer });

/** A provider whose waitForAuthorization answers with its own name, to check routing. */
function waitingProvider(name: string, tools: string[]): ToolProvider {
  const local = new LocalToolProvider({ name, tools: tools.map((item) => tool(item, name)) });
  return {
    name,
    listTools: (request) => local.listTools(request),
    execute: (request) => local.execute(request),
    waitForAuthorization: async (request: WaitForAuthorizationRequest): Promise<AuthorizationWaitResult> => ({
      authorizationId: `${name}:${request.authorizationId}`,
      status: 'completed',
    }),
  };
}

describe('CompositeToolProvider', () => {
  it('merges the tools of several providers and routes each call to its owner', async () => {
    const composite = new CompositeToolProvider({
      providers: [
        new LocalToolProvider({ name: 'crm', tools: [tool('find_customer', 'crm')] }),
        new LocalToolProvider({ name: 'billing', tools: [tool('send_invoice', 'billing')] }),
      ],
    });
    const tools = await composite.listTools({ userId: 'alice' });
    expect(tools.map((item) => [item.name, item.provider])).toEqual([
      ['find_customer', 'crm'],
      ['send_invoice', 'billing'],
    ]);
    expect(await composite.execute({ userId: 'alice', toolName: 'send_invoice' })).toMatchObject({
      status: 'success',
      provider: 'billing',
      output: 'billing',
    });
    expect(await composite.execute({ userId: 'alice', toolName: 'FIND_CUSTOMER' })).toMatchObject({
      provider: 'crm',
      output: 'crm',
    });
    expect(await composite.execute({ userId: 'alice', toolName: 'nope' })).toMatchObject({
      status: 'tool_error',
      provider: 'composite',
      error: { kind: 'not_found' },
    });
    await expect(composite.execute({ userId: '', toolName: 'x' })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('leaves a clashing tool out (with a diagnostic), refuses to route it, and rejects duplicate provider names', async () => {
    const diagnostics: string[] = [];
    const composite = new CompositeToolProvider({
      providers: [
        new LocalToolProvider({ name: 'a', tools: [tool('same', 'a'), tool('only_a', 'a')] }),
        new LocalToolProvider({ name: 'b', tools: [tool('same', 'b')] }),
      ],
      onDiagnostic: (message) => diagnostics.push(message),
    });
    // One colliding name does not break the listing: the rest is listed.
    expect((await composite.listTools({ userId: 'alice' })).map((item) => item.name)).toEqual(['only_a']);
    expect(diagnostics).toEqual([expect.stringContaining('same is served by a and b')]);
    // Nor is a call of it sent to whichever provider comes first.
    expect(await composite.execute({ userId: 'alice', toolName: 'same' })).toMatchObject({
      provider: 'composite',
      status: 'tool_error',
      error: { kind: 'not_found', message: expect.stringContaining('served by a and b') },
    });
    const one = new LocalToolProvider({ tools: [] });
    expect(() => new CompositeToolProvider({ providers: [one, one] })).toThrow(InvalidOptionsError);
    expect(() => new CompositeToolProvider({ providers: [] })).toThrow(InvalidOptionsError);
  });

  it('prefers model-facing names; a qualified name two providers share is ambiguous, never routed', async () => {
    // Two servers both serving `lookup` under their own prefix (as two MCP providers do).
    const prefixed = (name: string): ToolProvider => {
      const local = new LocalToolProvider({ name, tools: [tool(`${name}_lookup`, name)] });
      return {
        name,
        listTools: async (request) =>
          (await local.listTools(request)).map((item) => ({ ...item, qualifiedName: 'lookup' })),
        execute: (request) => local.execute(request),
      };
    };
    const composite = new CompositeToolProvider({
      providers: [
        prefixed('crm'),
        prefixed('wiki'),
        new LocalToolProvider({ tools: [tool('crm', 'local')] }),
      ],
    });
    expect(await composite.execute({ userId: 'alice', toolName: 'wiki_lookup' })).toMatchObject({
      provider: 'wiki',
      output: 'wiki',
    });
    expect(await composite.execute({ userId: 'alice', toolName: 'lookup' })).toMatchObject({
      status: 'tool_error',
      error: { kind: 'not_found', message: 'lookup is ambiguous: use one of crm_lookup, wiki_lookup' },
    });
    expect(await composite.execute({ userId: 'alice', toolName: 'crm' })).toMatchObject({ output: 'local' });
  });

  it('routes waitForAuthorization to the named provider, or the only one able to wait', async () => {
    const single = new CompositeToolProvider({
      providers: [new LocalToolProvider({ name: 'local', tools: [] }), waitingProvider('arcade', ['x'])],
    });
    expect(await single.waitForAuthorization({ userId: 'alice', authorizationId: 'ac_1' })).toMatchObject({
      authorizationId: 'arcade:ac_1',
    });
    const two = new CompositeToolProvider({
      providers: [waitingProvider('one', ['a']), waitingProvider('two', ['b'])],
    });
    await expect(
      two.waitForAuthorization({ userId: 'alice', authorizationId: 'ac_1' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(
      await two.waitForAuthorization({ userId: 'alice', authorizationId: 'ac_1', provider: 'two' }),
    ).toMatchObject({
      authorizationId: 'two:ac_1',
    });
  });
});
