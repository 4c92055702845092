import fc from 'fast-check';
import { InvalidInputError } from '@tristack/core';
import type { ToolResult } from '@tristack/core';
import { FakeArcadeServer } from '@tristack/testing/fake-arcade';
import { afterEach, describe, expect, it } from 'vitest';
import { ArcadeToolProvider } from './arcade-tool-provider.js';
import { defaultArcadeUserId, type ArcadeCaller } from './arcade-user-id.js';

const WHITESPACE = [
  ...'\t\n\u000B\f\r \u0085\u00A0\u1680\u2028\u2029\u202F\u205F\u3000\uFEFF',
  ...Array.from({ length: 11 }, (_, index) => String.fromCharCode(0x2000 + index)),
];
const hostileUnit = fc.oneof(
  fc.constantFrom(...WHITESPACE, '%', '{', '}', ':', '*', '=', '@', '0', '2', '😀'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const id = fc.string({ unit: hostileUnit, minLength: 1, maxLength: 16 });
const caller = fc.record({ userId: id, tenantId: fc.option(id, { nil: undefined }) });
const sameCaller = (first: ArcadeCaller, second: ArcadeCaller) =>
  first.userId === second.userId && first.tenantId === second.tenantId;

describe('defaultArcadeUserId (properties)', () => {
  it('is injective over (tenant?, user) pairs', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(caller, { minLength: 2, maxLength: 40, comparator: sameCaller }),
        (callers) => {
          expect(new Set(callers.map(defaultArcadeUserId)).size).toBe(callers.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps formerly colliding callers apart and plain e-mail ids unchanged', () => {
    const callers: ArcadeCaller[] = [
      { userId: 'alice\u2000' },
      { userId: 'alice 00' },
      { userId: 'alice\u2000', tenantId: 'acme' },
      { userId: 'alice 00', tenantId: 'acme' },
      { userId: 'b', tenantId: 'a:c' },
      { userId: 'c:b', tenantId: 'a' },
      { userId: 'a:c:b' },
    ];
    expect(new Set(callers.map(defaultArcadeUserId)).size).toBe(callers.length);
    expect(defaultArcadeUserId({ userId: 'alice@example.com' })).toBe('alice@example.com');
    expect(defaultArcadeUserId({ userId: 'alice@example.com', tenantId: 'acme' })).toBe(
      'acme:alice@example.com',
    );
  });

  it('rejects lone surrogates in either part with InvalidInputError', () => {
    expect(() => defaultArcadeUserId({ userId: 'bob\uD800' })).toThrow(InvalidInputError);
    expect(() => defaultArcadeUserId({ userId: 'bob', tenantId: '\uDC00acme' })).toThrow(InvalidInputError);
  });
});

describe('ArcadeToolProvider: Arcade identity per caller', () => {
  const servers: FakeArcadeServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('does not run a tool on another user whose id collided under the old escaping', async () => {
    const server = await FakeArcadeServer.start();
    servers.push(server);
    const provider = new ArcadeToolProvider({
      ...server.clientOptions,
      toolkits: ['Gmail'],
      logLevel: 'off',
    });
    const alice = 'alice\u2000';
    const bob = 'alice 00';
    const call = (userId: string) =>
      provider.execute({ userId, toolName: 'Gmail_ListEmails', input: { n_emails: 2 } });
    const first = await call(alice);
    expect(first.status).toBe('authorization_required');
    expect(
      await server.visit(
        (first as Extract<ToolResult, { status: 'authorization_required' }>).authorization.url,
      ),
    ).toBe(200);
    expect((await call(alice)).status).toBe('success');
    // Bob has no grant of his own: he is asked to authorise, and no tool runs on alice's grant.
    const executions = server.executions.length;
    expect((await call(bob)).status).toBe('authorization_required');
    expect(server.executions).toHaveLength(executions);
  });
});
