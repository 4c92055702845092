import { describe, expect, it } from 'vitest';
import { convertJsonSchema, convertMcpInputSchema } from './mcp-input-schema.js';

describe('convertMcpInputSchema', () => {
  const { zodSchema } = convertMcpInputSchema({
    type: 'object',
    properties: {
      title: { type: 'string', minLength: 1, description: 'the title' },
      count: { type: 'integer', minimum: 0 },
      labels: { type: 'array', items: { type: 'string' } },
      owner: {
        type: 'object',
        properties: { login: { type: 'string' }, id: { type: 'number' } },
        required: ['login'],
      },
      state: { enum: ['open', 'closed'] },
      due: { type: ['string', 'null'] },
      ref: { anyOf: [{ type: 'string' }, { type: 'number' }] },
      kind: { const: 'issue' },
      meta: { $ref: '#/definitions/meta' },
    },
    required: ['title', 'due'],
  });

  it('keeps required, types, nested objects, arrays, enums, unions and nullable types', () => {
    expect(
      zodSchema.parse({
        title: 'Bug',
        count: 2,
        labels: ['x'],
        owner: { login: 'ada', id: null, extra: true },
        state: 'open',
        due: null,
        ref: 3,
        kind: 'issue',
        meta: { anything: [1] },
        smuggled: 'dropped',
      }),
    ).toEqual({
      title: 'Bug',
      count: 2,
      labels: ['x'],
      owner: { login: 'ada' },
      state: 'open',
      due: null,
      ref: 3,
      kind: 'issue',
      meta: { anything: [1] },
    });
    for (const bad of [
      { due: null },
      { title: '', due: null },
      { title: 'x', due: null, count: 1.5 },
      { title: 'x', due: null, count: -1 },
      { title: 'x', due: null, state: 'merged' },
      { title: 'x', due: null, labels: [1] },
      { title: 'x', due: null, owner: {} },
      { title: 'x', due: null, ref: true },
      { title: 'x', due: null, kind: 'pr' },
      { title: 'x' },
    ]) {
      expect(zodSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('drops nulls the model sends for optional properties (the Arcade rule)', () => {
    expect(zodSchema.parse({ title: 'x', due: '2026-01-01', count: null, labels: null })).toEqual({
      title: 'x',
      due: '2026-01-01',
    });
  });

  it('accepts anything for schemas it does not understand, and any object without properties', () => {
    expect(convertJsonSchema({ allOf: [{ type: 'string' }] }).safeParse(5).success).toBe(true);
    expect(convertMcpInputSchema({ type: 'object' }).zodSchema.parse({ a: 1 })).toEqual({ a: 1 });
  });
});
