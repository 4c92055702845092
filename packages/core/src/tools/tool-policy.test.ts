import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors.js';
import type { ToolDefinition } from './tool-definition.js';
import { StaticToolPolicy } from './tool-policy.js';

function definition(overrides: Partial<ToolDefinition>): ToolDefinition {
  return {
    name: 'Gmail_SendEmail',
    qualifiedName: 'Gmail.SendEmail',
    provider: 'arcade',
    toolkit: 'Gmail',
    description: '',
    inputJsonSchema: {},
    inputZodSchema: z.object({}),
    requirements: { authorization: { providerId: 'google', scopes: ['gmail.send'] } },
    behavior: { readOnly: false },
    requiresApproval: false,
    ...overrides,
  };
}

const send = definition({});
const list = definition({
  name: 'Gmail_ListEmails',
  qualifiedName: 'Gmail.ListEmails',
  requirements: { authorization: { providerId: 'google', scopes: ['gmail.readonly'] } },
  behavior: { readOnly: true },
});
const remove = definition({
  name: 'Github_DeleteRepo',
  qualifiedName: 'Github.DeleteRepo',
  toolkit: 'Github',
  requirements: {},
  behavior: { destructive: true },
});

describe('StaticToolPolicy', () => {
  it('narrows by tenant, then by user: allowlists intersect, deny wins, scopes bound', () => {
    const policy = new StaticToolPolicy({
      rules: [
        { tenantId: 'acme', allowToolkits: ['gmail'] },
        { tenantId: 'acme', userId: 'bob', allowTools: ['gmail_listemails'] },
        { tenantId: 'acme', userId: 'eve', denyTools: ['Gmail.ListEmails'] },
        { tenantId: 'strict', allowedScopes: ['gmail.readonly'] },
      ],
    });
    const verdict = (userId: string, tenantId: string | undefined, tool: ToolDefinition) =>
      policy.evaluate({ userId, tenantId, tool }).allowed;
    expect(verdict('alice', 'acme', send)).toBe(true);
    expect(verdict('alice', 'acme', remove)).toBe(false);
    expect(verdict('bob', 'acme', send)).toBe(false);
    expect(verdict('bob', 'acme', list)).toBe(true);
    expect(verdict('eve', 'acme', list)).toBe(false);
    expect(verdict('eve', 'acme', send)).toBe(true);
    expect(verdict('bob', 'other', remove)).toBe(true);
    expect(verdict('alice', 'strict', send)).toBe(false);
    expect(verdict('alice', 'strict', list)).toBe(true);
    expect(policy.evaluate({ userId: 'alice', tenantId: 'strict', tool: send })).toEqual({
      allowed: false,
      reason: 'scopes gmail.send are not allowed (tenant strict policy)',
    });
  });

  it('requires approval for writes, destructive tools, named tools or always', () => {
    const approval = (
      rule: ConstructorParameters<typeof StaticToolPolicy>[0]['rules'][number],
      tool: ToolDefinition,
    ) => new StaticToolPolicy({ rules: [rule] }).evaluate({ userId: 'u', tool });
    expect(approval({ approval: 'writes' }, send)).toEqual({ allowed: true, requiresApproval: true });
    expect(approval({ approval: 'writes' }, list)).toEqual({ allowed: true, requiresApproval: false });
    // Unknown behaviour counts as a write.
    expect(approval({ approval: 'writes' }, definition({ behavior: {} }))).toMatchObject({
      requiresApproval: true,
    });
    expect(approval({ approval: 'destructive' }, send)).toMatchObject({ requiresApproval: false });
    expect(approval({ approval: 'destructive' }, remove)).toMatchObject({ requiresApproval: true });
    expect(approval({ approvalTools: ['Gmail.ListEmails'] }, list)).toMatchObject({ requiresApproval: true });
    expect(approval({ approval: 'always' }, list)).toMatchObject({ requiresApproval: true });
    expect(approval({}, send)).toMatchObject({ requiresApproval: false });
  });

  it('rejects malformed rules', () => {
    expect(() => new StaticToolPolicy({ rules: [{ approval: 'sometimes' as 'never' }] })).toThrow(
      InvalidOptionsError,
    );
    expect(() => new StaticToolPolicy({ rules: [{ userId: '' }] })).toThrow(InvalidOptionsError);
  });
});
