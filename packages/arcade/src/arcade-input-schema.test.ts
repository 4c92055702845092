import { describe, expect, it } from 'vitest';
import { convertInputSchema, type ArcadeValueSchema } from './arcade-input-schema.js';
import { defaultArcadeUserId } from './arcade-user-id.js';

describe('convertInputSchema edge cases the client /lib gets wrong', () => {
  it('does not throw on an array without inner_val_type or an unknown val_type', () => {
    const converted = convertInputSchema({
      parameters: [
        { name: 'anything', required: true, value_schema: { val_type: 'array' } },
        { name: 'future', required: false, value_schema: { val_type: 'decimal128' } },
      ],
    });
    expect(converted.jsonSchema).toEqual({
      type: 'object',
      properties: { anything: { type: 'array', items: {} }, future: {} },
      required: ['anything'],
      additionalProperties: false,
    });
    expect(converted.zodSchema.safeParse({ anything: [1, 'two', null] }).success).toBe(true);
  });

  it('keeps a required nullable value distinct from an optional one', () => {
    const converted = convertInputSchema({
      parameters: [
        {
          name: 'due',
          required: true,
          value_schema: { val_type: 'string', nullable: true } as ArcadeValueSchema,
        },
        { name: 'note', required: false, value_schema: { val_type: 'string' } },
        { name: 'meta', required: false, value_schema: { val_type: 'json' } },
      ],
    });
    expect(converted.jsonSchema.properties).toEqual({
      due: { type: ['string', 'null'] },
      note: { type: 'string' },
      meta: { type: 'object' },
    });
    expect(converted.zodSchema.parse({ due: null, note: null })).toEqual({ due: null });
    expect(converted.zodSchema.safeParse({ note: 'x' }).success).toBe(false);
    expect(converted.zodSchema.safeParse({ due: null, meta: 'text' }).success).toBe(false);
  });

  it('converts a tool without parameters to an empty object schema', () => {
    const converted = convertInputSchema({});
    expect(converted.jsonSchema).toEqual({ type: 'object', properties: {}, additionalProperties: false });
    expect(converted.applicationParameters).toEqual([]);
  });
});

describe('defaultArcadeUserId', () => {
  it('keeps plain ids and never maps two callers to one Arcade user', () => {
    expect(defaultArcadeUserId({ userId: 'alice@example.com' })).toBe('alice@example.com');
    const callers = [
      { userId: 'a:b' },
      { userId: 'b', tenantId: 'a' },
      { userId: 'c', tenantId: 'a:b' },
      { userId: 'b:c', tenantId: 'a' },
    ];
    const ids = callers.map(defaultArcadeUserId);
    expect(new Set(ids).size).toBe(callers.length);
  });
});
