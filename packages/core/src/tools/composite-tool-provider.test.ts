import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidInputError, InvalidOptionsError, TristackError } from '../errors.js';
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

  it('reports a tool served by two providers as a conflict, and rejects duplicate provider names', async () => {
    const composite = new CompositeToolProvider({
      providers: [
        new LocalToolProvider({ name: 'a', tools: [tool('same', 'a')] }),
        new LocalToolProvider({ name: 'b', tools: [tool('same', 'b')] }),
      ],
    });
    await expect(composite.listTools({ userId: 'alice' })).rejects.toSatisfy((error) =>
      TristackError.hasCode(error, 'CONFLICT'),
    );
    const one = new LocalToolProvider({ tools: [] });
    expect(() => new CompositeToolProvider({ providers: [one, one] })).toThrow(InvalidOptionsError);
    expect(() => new CompositeToolProvider({ providers: [] })).toThrow(InvalidOptionsError);
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
