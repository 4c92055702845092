import {
  InvalidInputError,
  InvalidOptionsError,
  REDACTED,
  exportAuditJsonLines,
  iterateAuditEvents,
  type AuditEvent,
  type AuditEventInput,
  type AuditLog,
  type AuditLogInspector,
  type AuditLogOptions,
  type AuditQuery,
} from '@tristack/core';
import {
  AuditChainVerifier,
  auditChainEntryOf,
  auditGenesisHash,
  hashAuditEntry,
} from '@tristack/core/driver-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectorOf } from './inspector-of.js';

export interface AuditLogConformanceContext {
  /** Creates a log. Every log created from one context shares its store. May throw `InvalidOptionsError`. */
  create(options?: AuditLogOptions): AuditLog | Promise<AuditLog>;
  /** Lets `ms` of the store's time pass: advance a ManualClock, or sleep when the store keeps real time. */
  wait(ms: number): Promise<void>;
  /** Called after each test. */
  cleanup?(): Promise<void>;
}

/** Fake credentials of the shapes the redactor knows; none may be stored. */
export const FAKE_SECRETS = {
  openAiKey: 'sk-proj-FAKEfakeFAKEfake0123456789',
  githubToken: 'ghp_FAKEfakeFAKEfake0123456789abcd',
  oauthAccessToken: 'ya29.FAKE-oauth-access-token-0123',
  refreshToken: '1//FAKE-refresh-token-0123456789',
  password: 'correct-horse-battery-staple-FAKE',
  arcadeKey: 'arc_FAKEfakeFAKEfake0123456789',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJGQUtFIn0.RkFLRS1zaWduYXR1cmU',
} as const;

/** A tool-call event carrying every fake secret, in headers, nested arguments and free text. */
export function eventWithSecrets(overrides: Partial<AuditEventInput<'tool.call.failed'>> = {}) {
  return {
    type: 'tool.call.failed',
    userId: 'user-1',
    conversationId: 'conversation-1',
    data: {
      tool: 'GitHub.CreateIssue',
      toolVersion: '1.2.0',
      executionId: 'exec-1',
      authorizationStatus: 'completed',
      outcome: 'error',
      durationMs: 12,
      arguments: {
        title: 'hello',
        config: { headers: { Authorization: `Bearer ${FAKE_SECRETS.oauthAccessToken}` } },
        credentials: { refresh_token: FAKE_SECRETS.refreshToken, password: FAKE_SECRETS.password },
        notes: [`deploy with ${FAKE_SECRETS.openAiKey}`, { apiKey: FAKE_SECRETS.arcadeKey }],
      },
      error: {
        message: `401 for token ${FAKE_SECRETS.githubToken} (jwt ${FAKE_SECRETS.jwt})`,
        code: 'unauthorized',
      },
    },
    ...overrides,
  } satisfies AuditEventInput<'tool.call.failed'>;
}

function modelFinished(overrides: Partial<AuditEventInput<'model.call.finished'>> = {}) {
  return {
    type: 'model.call.finished',
    data: {
      model: 'gpt-test',
      cached: false,
      tokenUsage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    },
    ...overrides,
  } satisfies AuditEventInput<'model.call.finished'>;
}

async function collect(log: AuditLog, query: AuditQuery): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for await (const event of iterateAuditEvents(log, query)) events.push(event);
  return events;
}

async function joinLines(lines: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const line of lines) text += line;
  return text;
}

/**
 * The behaviour every `AuditLog` driver must have: store-assigned ids and time, typed validation
 * that writes nothing on bad input, redaction before storage, a per-tenant hash chain that stays
 * valid under concurrent writers, filtered paginated queries, retention that keeps the anchor,
 * and a JSON Lines export that verifies offline.
 */
export function describeAuditLog(
  name: string,
  setup: () => AuditLogConformanceContext | Promise<AuditLogConformanceContext>,
): void {
  describe(`AuditLog conformance: ${name}`, () => {
    let context: AuditLogConformanceContext;
    let log: AuditLog;

    beforeEach(async () => {
      context = await setup();
      log = await context.create();
    });
    afterEach(async () => {
      await context.cleanup?.();
    });

    it('stores an event with a store-assigned id, time, sequence and hash, and the type’s layer', async () => {
      const before = Date.now();
      const first = await log.record(modelFinished({ tenantId: 'acme', userId: 'u1', runId: 'r1' }));
      const second = await log.record({
        type: 'custom.deploy',
        layer: 'orchestration',
        tenantId: 'acme',
        data: { ok: true },
      });
      expect(first).toMatchObject({
        tenantId: 'acme',
        sequence: 1,
        layer: 'orchestration',
        type: 'model.call.finished',
        userId: 'u1',
        runId: 'r1',
        previousHash: auditGenesisHash('acme'),
        data: { model: 'gpt-test', cached: false },
      });
      expect(first.id).toMatch(/^\d+-\d+$/);
      expect(first.hash).toMatch(/^[0-9a-f]{40}$/);
      expect(Math.abs(first.timestamp - before)).toBeLessThan(60_000);
      expect(second).toMatchObject({ sequence: 2, previousHash: first.hash, layer: 'orchestration' });
      expect(second.timestamp).toBeGreaterThanOrEqual(first.timestamp);
      expect(hashAuditEntry(auditChainEntryOf(second))).toBe(second.hash);
      expect(await log.head('acme')).toMatchObject({
        tenantId: 'acme',
        sequence: 2,
        hash: second.hash,
        lastId: second.id,
      });
      const stored = await log.query({ tenantId: 'acme' });
      expect(stored.events).toEqual([first, second]);
    });

    it('uses the default tenant when an event names none, and keeps tenants apart', async () => {
      const other = await context.create({ defaultTenantId: 'tenant-b' });
      await log.record(modelFinished());
      await other.record(modelFinished());
      await other.record(modelFinished());
      expect((await log.head()).sequence).toBe(1);
      expect((await log.head('tenant-b')).sequence).toBe(2);
      expect((await log.query()).events.map((event) => event.tenantId)).toEqual(['default']);
      expect((await log.query({ tenantId: 'tenant-b' })).events).toHaveLength(2);
      expect((await log.head('nobody')).sequence).toBe(0);
      expect((await log.head('nobody')).hash).toBe(auditGenesisHash('nobody'));
    });

    it('rejects invalid events with InvalidInputError and writes nothing', async () => {
      const invalid: unknown[] = [
        { type: 'model.call.finished', data: { model: 'm' } }, // cached missing
        { type: 'tool.call.executed', data: { toolName: 'x' } }, // tool missing
        { type: 'circuit-breaker.state-changed', data: { breaker: 'b', from: 'closed', to: 'broken' } },
        { type: 'no.such.type', layer: 'state', data: {} },
        { type: 'custom.thing', data: {} }, // custom needs a layer
        { type: 'custom', layer: 'kitchen', data: {} },
        { type: 'memory.cleared', userId: '', data: {} },
        { type: 'memory.cleared', conversationId: 'a\nb', data: {} },
        { type: 'memory.cleared', data: 'not an object' },
        { type: 'custom', layer: 'state', data: { blob: 'x'.repeat(70_000) } }, // > maxEventBytes
        null,
      ];
      for (const event of invalid) {
        await expect(log.record(event as AuditEventInput)).rejects.toBeInstanceOf(InvalidInputError);
      }
      expect((await log.head()).sequence).toBe(0);
      expect((await log.query()).events).toEqual([]);
    });

    it('rejects invalid options and queries', async () => {
      await expect(async () => context.create({ maxEventBytes: 10 })).rejects.toBeInstanceOf(
        InvalidOptionsError,
      );
      await expect(async () => context.create({ defaultTenantId: '' })).rejects.toBeInstanceOf(
        InvalidOptionsError,
      );
      await expect(log.query({ limit: 0 })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(log.query({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidInputError);
      // A conversation id is per user: without the user it names no conversation.
      await expect(log.query({ conversationId: 'c' })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(log.verify('')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(log.trim(undefined, { before: -1 })).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('removes secrets before storing: nothing returned or read back contains them', async () => {
      const stored = await log.record(eventWithSecrets());
      const readBack = (await log.query({})).events;
      const exported = await joinLines(exportAuditJsonLines(log, {}));
      for (const text of [JSON.stringify(stored), JSON.stringify(readBack), exported]) {
        for (const secret of Object.values(FAKE_SECRETS)) expect(text).not.toContain(secret);
      }
      expect(readBack[0]!.data).toMatchObject({
        tool: 'GitHub.CreateIssue',
        arguments: {
          title: 'hello',
          config: { headers: { Authorization: REDACTED } },
          credentials: REDACTED,
        },
        error: { message: `401 for token ${REDACTED} (jwt ${REDACTED})` },
      });
    });

    it('hashes or drops argument values when configured', async () => {
      const hashing = await context.create({ redactor: { argumentValues: 'hash' }, defaultTenantId: 'h' });
      const dropping = await context.create({ redactor: { argumentValues: 'drop' }, defaultTenantId: 'd' });
      const event = {
        type: 'tool.call.requested',
        data: { tool: 'Mail.Send', arguments: { to: 'a@b.c' } },
      } as const;
      expect((await hashing.record(event)).data['arguments']).toEqual({
        to: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      });
      expect((await dropping.record(event)).data['arguments']).toEqual({ to: '[DROPPED]' });
      expect(JSON.stringify((await hashing.query({ tenantId: 'h' })).events)).not.toContain('a@b.c');
    });

    it('builds one valid chain from many concurrent writers', async () => {
      const writers = await Promise.all([context.create(), context.create(), context.create()]);
      const recorded = await Promise.all(
        Array.from({ length: 150 }, (_, index) =>
          writers[index % 3]!.record({
            type: 'custom.step',
            layer: 'tool',
            tenantId: 'busy',
            data: { index },
          }),
        ),
      );
      expect(new Set(recorded.map((event) => event.sequence)).size).toBe(150);
      expect(Math.max(...recorded.map((event) => event.sequence))).toBe(150);
      const result = await log.verify('busy');
      expect(result).toMatchObject({ tenantId: 'busy', valid: true, checked: 150, issues: [] });
      expect(result.head.sequence).toBe(150);
      const all = await collect(log, { tenantId: 'busy', limit: 40 });
      expect(all.map((event) => event.sequence)).toEqual(
        Array.from({ length: 150 }, (_, index) => index + 1),
      );
    });

    it('queries by conversation, user, run, type and layer, paginated both ways', async () => {
      for (let index = 0; index < 25; index += 1) {
        await log.record({
          type: index % 5 === 0 ? 'cache.hit' : 'tool.call.executed',
          ...(index % 5 === 0 ? { layer: 'orchestration' as const } : {}),
          userId: `user-${index % 2}`,
          conversationId: `conversation-${index % 3}`,
          runId: `run-${index % 4}`,
          data: index % 5 === 0 ? { key: `k${index}` } : { tool: 'Search', durationMs: index },
        } as AuditEventInput);
      }
      const indexesOf = (events: AuditEvent[]) => events.map((event) => event.sequence - 1);
      const range = (predicate: (index: number) => boolean) =>
        Array.from({ length: 25 }, (_, index) => index).filter(predicate);

      expect(
        indexesOf(await collect(log, { userId: 'user-0', conversationId: 'conversation-1', limit: 3 })),
      ).toEqual(range((i) => i % 2 === 0 && i % 3 === 1));
      expect(indexesOf(await collect(log, { userId: 'user-0', limit: 4 }))).toEqual(
        range((i) => i % 2 === 0),
      );
      expect(indexesOf(await collect(log, { runId: 'run-3', limit: 1 }))).toEqual(range((i) => i % 4 === 3));
      expect(indexesOf(await collect(log, { type: 'cache.hit' }))).toEqual(range((i) => i % 5 === 0));
      expect(indexesOf(await collect(log, { layer: 'tool', limit: 7 }))).toEqual(range((i) => i % 5 !== 0));
      expect(
        indexesOf(await collect(log, { userId: 'user-1', conversationId: 'conversation-2', limit: 2 })),
      ).toEqual(range((i) => i % 2 === 1 && i % 3 === 2));
      expect(
        indexesOf(
          await collect(log, { userId: 'user-0', type: 'tool.call.executed', layer: 'tool', limit: 2 }),
        ),
      ).toEqual(range((i) => i % 2 === 0 && i % 5 !== 0));
      expect(
        indexesOf(
          await collect(log, { userId: 'user-1', conversationId: 'conversation-0', order: 'desc', limit: 2 }),
        ),
      ).toEqual(range((i) => i % 2 === 1 && i % 3 === 0).reverse());
      expect(indexesOf(await collect(log, { order: 'desc', limit: 10 }))).toEqual(
        range(() => true).reverse(),
      );

      const firstPage = await log.query({ userId: 'user-0', limit: 5 });
      expect(firstPage.events).toHaveLength(5);
      expect(firstPage.nextCursor).toBeDefined();
      const secondPage = await log.query({ userId: 'user-0', limit: 5, cursor: firstPage.nextCursor! });
      expect(secondPage.events[0]!.sequence).toBeGreaterThan(firstPage.events[4]!.sequence);
      const lastPage = await log.query({ userId: 'user-0', limit: 100 });
      expect(lastPage.nextCursor).toBeUndefined();
      expect((await log.query({ userId: 'user-0', conversationId: 'nobody' })).events).toEqual([]);
      expect((await log.query({ tenantId: 'other-tenant' })).events).toEqual([]);
    });

    it('keeps two users’ conversations of one id apart (a conversation is a user’s)', async () => {
      const alice = await log.record(
        modelFinished({ tenantId: 'acme', userId: 'alice', conversationId: '1' }),
      );
      const bob = await log.record(modelFinished({ tenantId: 'acme', userId: 'bob', conversationId: '1' }));
      // A user id that looks like a composite of another user and conversation stays its own.
      const tricky = await log.record(
        modelFinished({ tenantId: 'acme', userId: 'alice:conversation=1', conversationId: '1' }),
      );
      // No user: not part of any user's conversation; found by its run.
      const userless = await log.record(modelFinished({ tenantId: 'acme', conversationId: '1', runId: 'r' }));
      const idsOf = async (query: AuditQuery) => (await collect(log, query)).map((event) => event.id);
      for (const order of ['asc', 'desc'] as const) {
        expect(await idsOf({ tenantId: 'acme', userId: 'alice', conversationId: '1', order })).toEqual([
          alice.id,
        ]);
        expect(await idsOf({ tenantId: 'acme', userId: 'bob', conversationId: '1', order })).toEqual([
          bob.id,
        ]);
      }
      expect(await idsOf({ tenantId: 'acme', userId: 'alice:conversation=1', conversationId: '1' })).toEqual([
        tricky.id,
      ]);
      expect(await idsOf({ tenantId: 'acme', userId: 'alice', conversationId: '2' })).toEqual([]);
      expect(await idsOf({ tenantId: 'acme', runId: 'r' })).toEqual([userless.id]);
      await expect(log.query({ tenantId: 'acme', conversationId: '1' })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    });

    it('queries by time range, inclusive at both ends', async () => {
      const inC = { userId: 'u', conversationId: 'c' };
      const early = await log.record(modelFinished(inC));
      await context.wait(30);
      const middle = await log.record(modelFinished(inC));
      await context.wait(30);
      const late = await log.record(modelFinished(inC));
      const window = { from: middle.timestamp, to: middle.timestamp };
      expect((await log.query(window)).events.map((event) => event.id)).toEqual([middle.id]);
      expect((await log.query({ ...window, ...inC, order: 'desc' })).events.map((event) => event.id)).toEqual(
        [middle.id],
      );
      expect((await log.query({ from: middle.timestamp })).events.map((event) => event.id)).toEqual([
        middle.id,
        late.id,
      ]);
      expect((await log.query({ to: middle.timestamp, ...inC })).events.map((event) => event.id)).toEqual([
        early.id,
        middle.id,
      ]);
    });

    it('verifies a range of the chain anchored on the entry before it', async () => {
      await log.record(modelFinished());
      await context.wait(20);
      const second = await log.record(modelFinished());
      await log.record(modelFinished());
      await context.wait(20);
      const fourth = await log.record(modelFinished());
      const result = await log.verify(undefined, { from: second.timestamp, to: fourth.timestamp - 1 });
      expect(result).toMatchObject({ valid: true, checked: 2, issues: [] });
      expect(await log.verify(undefined, { pageSize: 1 })).toMatchObject({ valid: true, checked: 4 });
    });

    it('trims old entries, keeps the anchor, and the rest still verifies and continues the chain', async () => {
      for (let index = 0; index < 6; index += 1)
        await log.record(modelFinished({ userId: 'old-user', conversationId: 'c' }));
      await context.wait(30);
      const cut = await log.record(modelFinished({ userId: 'new-user', conversationId: 'c' }));
      await log.record(modelFinished({ userId: 'new-user', conversationId: 'c' }));
      const result = await log.trim(undefined, { before: cut.timestamp, batchSize: 4 });
      expect(result.removed).toBe(6);
      expect(result.head).toMatchObject({ sequence: 8, anchor: { sequence: 6 } });
      expect(result.head.anchor.id).toBeDefined();
      expect((await log.query()).events.map((event) => event.sequence)).toEqual([7, 8]);
      expect((await log.query({ userId: 'old-user' })).events).toEqual([]);
      expect(
        (await log.query({ userId: 'new-user', conversationId: 'c', order: 'desc' })).events.map(
          (event) => event.sequence,
        ),
      ).toEqual([8, 7]);
      expect(await log.verify()).toMatchObject({ valid: true, checked: 2 });
      const next = await log.record(modelFinished({ userId: 'old-user' }));
      expect(next.sequence).toBe(9);
      expect((await log.query({ userId: 'old-user' })).events.map((event) => event.sequence)).toEqual([9]);
      expect(await log.verify()).toMatchObject({ valid: true, checked: 3 });
      expect((await log.trim(undefined, { before: 0 })).removed).toBe(0);
    });

    it('trims by age while recording when retentionMs is set', async () => {
      const retained = await context.create({ retentionMs: 40, defaultTenantId: 'retained' });
      for (let index = 0; index < 3; index += 1) await retained.record(modelFinished());
      await context.wait(60);
      const fresh = await retained.record(modelFinished());
      expect((await retained.query()).events.map((event) => event.id)).toEqual([fresh.id]);
      expect(await retained.verify()).toMatchObject({
        valid: true,
        checked: 1,
        head: { anchor: { sequence: 3 } },
      });
    });

    it('exports JSON Lines that verify offline from the anchor', async () => {
      for (let index = 0; index < 12; index += 1) {
        await log.record({
          type: 'job.completed',
          tenantId: 'export',
          data: { queue: 'q', jobId: `job-${index}` },
        });
      }
      const lines = await joinLines(exportAuditJsonLines(log, { tenantId: 'export', limit: 5 }));
      expect(lines.endsWith('\n')).toBe(true);
      const events = lines
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as AuditEvent);
      expect(events.map((event) => event.data['jobId'])).toEqual(
        Array.from({ length: 12 }, (_, index) => `job-${index}`),
      );
      const head = await log.head('export');
      const verifier = new AuditChainVerifier(head.anchor);
      for (const event of events) verifier.push(auditChainEntryOf(event));
      expect(verifier.finish(head)).toEqual([]);
      // An edit in the export is caught offline too.
      const edited = new AuditChainVerifier(head.anchor);
      events.forEach((event, index) =>
        edited.push(
          auditChainEntryOf(index === 4 ? { ...event, data: { ...event.data, jobId: 'forged' } } : event),
        ),
      );
      expect(edited.finish(head)).toMatchObject([{ kind: 'edited', sequence: 5 }]);
    });

    it('inspector: lists the tenants that have a chain', async () => {
      await log.record(modelFinished({ tenantId: 'inspected-b', userId: 'u1', runId: 'r1' }));
      await log.record(modelFinished({ tenantId: 'inspected-a', userId: 'u1', runId: 'r1' }));
      const inspector = inspectorOf<AuditLogInspector>(log, 'AuditLog');
      const listed = await inspector.tenants();
      expect(listed).toMatchObject({ undecodable: [], truncated: false });
      expect(listed.found).toEqual(expect.arrayContaining(['inspected-a', 'inspected-b']));
      expect(listed.found).toEqual([...listed.found].sort());
      expect(listed.found).not.toContain('never-recorded');
      const bounded = await inspector.tenants({ limit: 1 });
      expect(bounded.found).toHaveLength(1);
      expect(bounded.truncated).toBe(true);
    });
  });
}
