import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { InMemoryAuditLog } from './in-memory-audit-log.js';
import { REDACTED, Redactor } from './redactor.js';

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** A hole at index 0, a header name at index 2: `[ , 'x-api-key', …]` once tripped `pairKinds`. */
function holeBeforeOdd(): unknown[] {
  const items: unknown[] = [];
  items[1] = 'x';
  return items;
}

describe('Redactor with values JSON stores oddly', () => {
  const redactor = new Redactor();

  it('stores an invalid Date as null (as JSON.stringify does), a valid one as ISO text', () => {
    expect(redactor.redact({ at: new Date('not a date'), ok: new Date(0) })).toEqual({
      at: null,
      ok: '1970-01-01T00:00:00.000Z',
    });
  });

  it("stores a sparse array's holes as null, and still redacts pairs after a hole", () => {
    const slots: unknown[] = [];
    slots.length = 3; // three holes
    expect(redactor.redact({ slots })).toEqual({ slots: [null, null, null] });
    expect(redactor.redact({ row: holeBeforeOdd() })).toEqual({ row: [null, 'x'] });
    const pairs: unknown[] = ['x-api-key', 'k3y-value-0123456789', 'accept', 'json'];
    delete pairs[3];
    expect(redactor.redact({ headers: pairs })).toEqual({ headers: ['x-api-key', REDACTED, 'accept', null] });
  });

  it('bounds a huge sparse array instead of walking every hole', () => {
    const huge: unknown[] = [];
    huge.length = 2 ** 32 - 1;
    expect(redactor.redact({ huge })).toEqual({ huge: '[TRUNCATED]' });
  });

  it('a throwing toJSON, getter or Proxy is an InvalidInputError with its path and cause', () => {
    const getter = {};
    Object.defineProperty(getter, 'secret', {
      enumerable: true,
      get() {
        throw new RangeError('getter boom');
      },
    });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const cases: [unknown, PropertyKey[], new (...args: never[]) => Error][] = [
      [{ v: { toJSON: () => JSON.parse('{') } }, ['v'], SyntaxError],
      [{ list: [1, getter] }, ['list', 1, 'secret'], RangeError],
      [{ deep: { proxy } }, ['deep', 'proxy'], TypeError],
    ];
    for (const [value, path, cause] of cases) {
      const error = thrownBy(() => redactor.redact(value));
      expect(InvalidInputError.isInstance(error)).toBe(true);
      expect((error as InvalidInputError).issues[0]?.path).toEqual(path);
      expect((error as Error).cause).toBeInstanceOf(cause);
    }
  });
});

describe('AuditLog.record with data that cannot be read', () => {
  it('throws InvalidInputError naming data.<path> and the driver, and writes nothing', async () => {
    const log = new InMemoryAuditLog();
    const data = {
      v: {
        toJSON() {
          throw new Error('nope');
        },
      },
    };
    const error = await log
      .record({ type: 'custom.note', layer: 'state', data })
      .catch((caught: unknown) => caught);
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      '[tristack] [memory] invalid audit event: data.v: could not be read (Error: nope)',
    );
    expect((error as InvalidInputError).issues[0]?.path).toEqual(['data', 'v']);
    expect((await log.query({})).events).toEqual([]);
  });

  it('stores an invalid Date and a holey array as JSON would', async () => {
    const log = new InMemoryAuditLog();
    await log.record({
      type: 'custom.note',
      layer: 'state',
      data: { at: new Date(Number.NaN), row: holeBeforeOdd() },
    });
    expect((await log.query({})).events[0]?.data).toEqual({ at: null, row: [null, 'x'] });
  });
});
