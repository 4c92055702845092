import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidInputError, InvalidOptionsError, TristackError } from '../errors.js';
import { defineLocalTool, LocalToolProvider, type LocalToolContext } from './local-tool-provider.js';
import { ToolExecutionError } from './tool-execution-error.js';
import { StaticToolPolicy } from './tool-policy.js';

const contexts: LocalToolContext[] = [];
const lookupOrder = defineLocalTool({
  name: 'lookup_order',
  description: 'Look up an order of the current user.',
  toolkit: 'Shop',
  input: z.object({
    orderId: z.string().describe('The order number.'),
    fields: z.array(z.enum(['status', 'total'])).optional(),
  }),
  behavior: { readOnly: true, idempotent: true },
  execute(input, context) {
    contexts.push(context);
    if (input.orderId === 'missing') {
      throw new ToolExecutionError('upstream', 'no such order', {
        additionalPromptContent: 'Ask the user for the order number.',
      });
    }
    if (input.orderId === 'crash') throw new Error('database password=hunter2 rejected');
    return { orderId: input.orderId, owner: context.userId, status: 'shipped' };
  },
});
const refund = defineLocalTool({
  name: 'refund_order',
  description: 'Refund an order.',
  toolkit: 'Shop',
  input: z.object({ orderId: z.string() }),
  behavior: { readOnly: false, destructive: true },
  execute: (input) => ({ refunded: input.orderId }),
});

describe('LocalToolProvider', () => {
  it('lists zod-defined tools with JSON schema, descriptions and behaviour', async () => {
    const provider = new LocalToolProvider({ tools: [lookupOrder, refund] });
    const [lookup] = await provider.listTools({ userId: 'alice', toolkits: ['shop'] });
    expect(lookup).toMatchObject({
      name: 'lookup_order',
      qualifiedName: 'lookup_order',
      provider: 'local',
      toolkit: 'Shop',
      requirements: {},
      behavior: { readOnly: true, idempotent: true },
      requiresApproval: false,
    });
    expect(lookup!.inputJsonSchema).toEqual({
      type: 'object',
      properties: {
        orderId: { type: 'string', description: 'The order number.' },
        fields: { type: 'array', items: { type: 'string', enum: ['status', 'total'] } },
      },
      required: ['orderId'],
    });
    expect(await provider.listTools({ userId: 'alice', toolkits: ['Other'] })).toEqual([]);
  });

  it('runs a tool with the trusted caller as context, never the model arguments', async () => {
    const provider = new LocalToolProvider({ tools: [lookupOrder] });
    const result = await provider.execute({
      userId: 'alice',
      tenantId: 'acme',
      toolName: 'lookup_order',
      input: { orderId: 'A-1', userId: 'mallory' },
      idempotencyKey: 'k1',
      toolCallId: 'call_1',
    });
    expect(result).toMatchObject({
      status: 'success',
      provider: 'local',
      toolName: 'lookup_order',
      output: { orderId: 'A-1', owner: 'alice', status: 'shipped' },
    });
    expect(contexts.at(-1)).toMatchObject({
      userId: 'alice',
      tenantId: 'acme',
      idempotencyKey: 'k1',
      toolCallId: 'call_1',
    });
  });

  it('answers typed tool errors: invalid input, ToolExecutionError, an unexpected throw without its message', async () => {
    const provider = new LocalToolProvider({ tools: [lookupOrder] });
    const invalid = await provider.execute({
      userId: 'alice',
      toolName: 'lookup_order',
      input: { orderId: 7 },
    });
    expect(invalid).toMatchObject({ status: 'tool_error', error: { kind: 'invalid_input', canRetry: true } });
    const missing = await provider.execute({
      userId: 'alice',
      toolName: 'lookup_order',
      input: { orderId: 'missing' },
    });
    expect(missing).toMatchObject({
      status: 'tool_error',
      error: {
        kind: 'upstream',
        message: 'no such order',
        canRetry: false,
        additionalPromptContent: 'Ask the user for the order number.',
      },
    });
    const crash = await provider.execute({
      userId: 'alice',
      toolName: 'lookup_order',
      input: { orderId: 'crash' },
    });
    expect(crash).toMatchObject({
      status: 'tool_error',
      error: { kind: 'fatal', message: 'lookup_order failed' },
    });
    const unknown = await provider.execute({ userId: 'alice', toolName: 'nope' });
    expect(unknown).toMatchObject({ status: 'tool_error', error: { kind: 'not_found' } });
  });

  it('applies policy and approvals like every provider', async () => {
    const policy = new StaticToolPolicy({
      rules: [{ approval: 'destructive' }, { userId: 'guest', denyTools: ['refund_order'] }],
    });
    const provider = new LocalToolProvider({ tools: [lookupOrder, refund], policy });
    expect((await provider.listTools({ userId: 'guest' })).map((tool) => tool.name)).toEqual([
      'lookup_order',
    ]);
    const listed = await provider.listTools({ userId: 'alice' });
    expect(listed.find((tool) => tool.name === 'refund_order')!.requiresApproval).toBe(true);
    const pending = await provider.execute({
      userId: 'alice',
      toolName: 'refund_order',
      input: { orderId: 'A-1' },
    });
    expect(pending).toMatchObject({
      status: 'approval_required',
      approval: { destructive: true, readOnly: false },
    });
    const approved = await provider.execute({
      userId: 'alice',
      toolName: 'refund_order',
      input: { orderId: 'A-1' },
      approval: { approvedBy: 'manager' },
    });
    expect(approved).toMatchObject({ status: 'success', output: { refunded: 'A-1' } });
    const guest = await provider.execute({
      userId: 'guest',
      toolName: 'refund_order',
      input: { orderId: 'A-1' },
    });
    expect(guest).toMatchObject({ status: 'tool_error', error: { kind: 'denied' } });
  });

  it('rejects bad options and requests, and rethrows an abort', async () => {
    expect(() => new LocalToolProvider({ tools: [lookupOrder, lookupOrder] })).toThrow(InvalidOptionsError);
    expect(() => new LocalToolProvider({ tools: [{ ...refund, name: 'has space' }] })).toThrow(
      InvalidOptionsError,
    );
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const slow = defineLocalTool({
      name: 'slow',
      description: 'Waits for the signal.',
      input: z.object({}),
      execute: (_input, context) =>
        new Promise((_resolve, reject) => {
          started();
          context.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    });
    const provider = new LocalToolProvider({ tools: [slow] });
    await expect(provider.execute({ userId: '', toolName: 'slow' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    const controller = new AbortController();
    const call = provider.execute({ userId: 'alice', toolName: 'slow', signal: controller.signal });
    await running;
    controller.abort();
    await expect(call).rejects.toSatisfy((error) => TristackError.hasCode(error, 'ABORTED'));
    // Already aborted: the tool does not even start.
    await expect(
      provider.execute({ userId: 'alice', toolName: 'slow', signal: controller.signal }),
    ).rejects.toSatisfy((error) => TristackError.hasCode(error, 'ABORTED'));
  });
});
