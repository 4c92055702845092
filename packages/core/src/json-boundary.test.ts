import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import {
  checkJsonValue,
  formatJsonPath,
  inspectJsonValue,
  jsonObjectSchema,
  jsonStringBytes,
  MAX_PAYLOAD_DEPTH,
} from './json-boundary.js';

/** `{ a: { a: … } }`, `depth` objects deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

function problemOf(value: unknown, limits = {}) {
  const inspection = inspectJsonValue(value, limits);
  if (inspection.ok) throw new Error('expected a problem');
  return inspection.problem;
}

describe('inspectJsonValue', () => {
  it('refuses depth 10,000 and 1,000,000 without overflowing the stack', () => {
    for (const depth of [10_000, 1_000_000]) {
      const problem = problemOf(nested(depth));
      expect(problem.kind).toBe('too-deep');
      expect(problem.path).toHaveLength(MAX_PAYLOAD_DEPTH);
    }
  });

  it('accepts exactly maxDepth containers and refuses one more', () => {
    expect(inspectJsonValue(nested(8), { maxDepth: 8 }).ok).toBe(true);
    expect(problemOf(nested(9), { maxDepth: 8 })).toMatchObject({
      kind: 'too-deep',
      path: Array(8).fill('a'),
    });
    expect(inspectJsonValue('scalar', { maxDepth: 0 }).ok).toBe(true);
  });

  it('refuses cycles with the path of the back reference, and accepts shared references', () => {
    const cyclic: Record<string, unknown> = { list: [1, {}] };
    (cyclic.list as unknown[])[1] = { back: cyclic };
    expect(problemOf(cyclic)).toMatchObject({ kind: 'circular', path: ['list', 1, 'back'] });
    const shared = { x: 1 };
    expect(inspectJsonValue({ a: shared, b: [shared, shared] })).toEqual({
      ok: true,
      bytes: Buffer.byteLength(JSON.stringify({ a: shared, b: [shared, shared] })),
    });
  });

  it.each([
    ['a function', { f: () => 1 }, ['f']],
    ['a symbol', { s: Symbol('x') }, ['s']],
    ['a bigint', [1, 2n], [1]],
    ['NaN', { n: Number.NaN }, ['n']],
    ['Infinity', { n: [Number.POSITIVE_INFINITY] }, ['n', 0]],
    ['-Infinity', Number.NEGATIVE_INFINITY, []],
    ['a Date', { when: new Date(0) }, ['when']],
    ['a Map', { m: new Map() }, ['m']],
    ['undefined in an array', [1, undefined], [1]],
    ['a hole in an array', Object.assign([1], { length: 3 }), [1]],
    ['undefined at the root', undefined, []],
  ])('refuses %s', (_, value, path) => {
    expect(problemOf(value)).toMatchObject({ kind: 'not-json', path });
  });

  it('drops undefined properties by default and refuses them when asked', () => {
    expect(inspectJsonValue({ a: undefined, b: 1 })).toEqual({ ok: true, bytes: '{"b":1}'.length });
    expect(problemOf({ a: undefined }, { undefinedProperties: 'reject' })).toMatchObject({ path: ['a'] });
  });

  it('turns a throwing getter into a problem', () => {
    const hostile = {
      inner: Object.defineProperty({}, 'boom', {
        enumerable: true,
        get() {
          throw new Error('no');
        },
      }),
    };
    expect(problemOf(hostile)).toMatchObject({ kind: 'not-json', path: ['inner'] });
  });

  it('counts exactly the UTF-8 bytes of JSON.stringify', () => {
    const text = fc.string({ unit: 'binary' });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value')),
        fc.dictionary(text, tie('value')),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        expect(inspectJsonValue(value)).toEqual({
          ok: true,
          bytes: Buffer.byteLength(JSON.stringify(value)),
        });
      }),
      { numRuns: 500 },
    );
    for (const sample of ['"\\', '\u0000\u001f\b\n', '\ud800', '\udc00x', '😀', 'é€'])
      expect(jsonStringBytes(sample)).toBe(Buffer.byteLength(JSON.stringify(sample)));
  });

  it('stops at maxBytes, also for exponentially shared values', () => {
    expect(inspectJsonValue('x'.repeat(8), { maxBytes: 10 }).ok).toBe(true);
    expect(problemOf('x'.repeat(9), { maxBytes: 10 }).kind).toBe('too-large');
    // 2^60 leaves once serialised: only a walk that stops early can answer.
    let bomb: unknown = 'leaf';
    for (let level = 0; level < 60; level++) bomb = [bomb, bomb];
    expect(problemOf(bomb, { maxBytes: 1024 }).kind).toBe('too-large');
  });
});

describe('checkJsonValue', () => {
  it('throws InvalidInputError naming the path', () => {
    const metadata = { a: { b: [0, 1, 2, { c: Number.NaN }] } };
    const error = (() => {
      try {
        checkJsonValue(metadata, { what: 'message', path: ['metadata'], driver: 'memory' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).message).toBe(
      '[tristack] [memory] invalid message: metadata.a.b[3].c is NaN, not a finite number',
    );
    expect((error as InvalidInputError).issues).toEqual([
      { path: ['metadata', 'a', 'b', 3, 'c'], message: 'is NaN, not a finite number' },
    ]);
  });

  it('returns the byte count of a valid value', () => {
    expect(checkJsonValue({ é: 'ü' }, { what: 'x' })).toBe(Buffer.byteLength('{"é":"ü"}'));
  });

  it('formats odd keys', () => {
    expect(formatJsonPath([])).toBe('(root)');
    expect(formatJsonPath([0, 'a b', 'c'], '')).toBe('[0]["a b"].c');
  });
});

describe('jsonObjectSchema', () => {
  it('reports the nested path through zod', () => {
    const result = jsonObjectSchema({ maxDepth: 4 }).safeParse({ deep: nested(10) });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['deep', 'a', 'a', 'a'] });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(jsonObjectSchema().safeParse(circular).error?.issues[0]).toMatchObject({ path: ['self'] });
  });
});
