import { describe, expect, it } from 'vitest';
import { prepareRequest } from './prepare-request.js';
import type { SemanticCacheRequest } from './types.js';

const base: SemanticCacheRequest = {
  tenant: 't',
  model: 'm',
  messages: [{ role: 'user', content: 'Hello\r\nworld' }],
  tools: [{ name: 'search', parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
  sampling: { temperature: 0.2, maxTokens: 10 },
};

describe('prepareRequest', () => {
  it('hashes the normalised request: key order, line ends and Unicode form do not matter', () => {
    const reordered: SemanticCacheRequest = {
      sampling: { maxTokens: 10, temperature: 0.2, seed: undefined },
      tools: [{ parameters: { properties: { q: { type: 'string' } }, type: 'object' }, name: 'search' }],
      messages: [{ content: 'Hello\nworld', role: 'user' }],
      model: 'm',
      tenant: 't',
    };
    expect(prepareRequest(reordered, true).entryId).toBe(prepareRequest(base, true).entryId);
    const composed = prepareRequest({ ...base, messages: [{ role: 'user', content: 'caf\u00e9' }] }, true);
    const decomposed = prepareRequest({ ...base, messages: [{ role: 'user', content: 'cafe\u0301' }] }, true);
    expect(composed.entryId).toBe(decomposed.entryId);
    expect(prepareRequest({ ...base, sampling: { temperature: 0.3, maxTokens: 10 } }, true).entryId).not.toBe(
      prepareRequest(base, true).entryId,
    );
  });

  it('matches the last user message, puts system prompts and history in the scope', () => {
    const prepared = prepareRequest(
      {
        ...base,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'first' },
          { role: 'assistant', content: 'ok' },
          {
            role: 'user',
            content: [
              { type: 'text', text: '  second\n question ' },
              { type: 'image', url: 'https://x/1.png' },
            ],
          },
        ],
      },
      true,
    );
    expect(prepared.matchText).toBe('second question');
    expect(prepared.temperature).toBe(0.2);
    expect(prepared.scope.systemPromptHash).toMatch(/^[0-9a-f]{32}$/);
    expect(prepared.scope.historyHash).toMatch(/^[0-9a-f]{32}$/);
    expect(prepared.scope.attachmentsHash).toMatch(/^[0-9a-f]{32}$/);
    expect(prepareRequest(base, true).scope).toMatchObject({
      systemPromptHash: '',
      historyHash: '',
      attachmentsHash: '',
    });
    expect(prepareRequest({ ...base, matchText: 'other' }, true).matchText).toBe('other');
  });

  it('hashes tenant, user, model and tags exactly: only prompt text is normalised', () => {
    const lookalikes: [string, string][] = [
      ['\u00e9', 'e\u0301'],
      ['\u212B', '\u00C5'],
      ['alice\u2000', 'alice\u2002'],
    ];
    const scoped: [string, (id: string) => SemanticCacheRequest][] = [
      ['tenant', (id) => ({ ...base, tenant: id })],
      ['user', (id) => ({ ...base, user: id })],
      ['model', (id) => ({ ...base, model: id })],
      ['tag value', (id) => ({ ...base, tags: { user: id } })],
      ['tag key', (id) => ({ ...base, tags: { [id]: 'x' } })],
    ];
    for (const [field, request] of scoped)
      for (const [first, second] of field.startsWith('tag')
        ? [...lookalikes, ['alice\r', 'alice\n'] as [string, string], ['a\r\n', 'a\n'] as [string, string]]
        : lookalikes) {
        const [one, other] = [prepareRequest(request(first), true), prepareRequest(request(second), true)];
        expect({ field, first, same: one.scope.digest === other.scope.digest }).toEqual({
          field,
          first,
          same: false,
        });
        expect(one.entryId).not.toBe(other.entryId);
        // The scope passed to thresholdForScope keeps the ids as given.
        expect(JSON.stringify(one.scope)).toContain(JSON.stringify(first).slice(1, -1));
      }
  });
});
