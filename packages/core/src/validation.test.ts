import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidOptionsError, TristackError } from './errors.js';
import { parseInput, parseOptions } from './validation.js';

const schema = z.object({ name: z.string(), nested: z.object({ count: z.number() }).optional() });

function withThrowingGetter(key: string): Record<string, unknown> {
  const value: Record<string, unknown> = { name: 'x' };
  Object.defineProperty(value, key, {
    enumerable: true,
    get() {
      throw new RangeError('getter boom');
    },
  });
  return value;
}

const throwingProxy = () =>
  new Proxy(
    {},
    {
      get() {
        throw new TypeError('proxy boom');
      },
      ownKeys() {
        throw new TypeError('proxy boom');
      },
    },
  );

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseInput with input that throws while read', () => {
  it('a throwing getter is an InvalidInputError naming the path, the original as cause', () => {
    const error = thrownBy(() =>
      parseInput(
        schema,
        { name: 'x', nested: withThrowingGetter('count') },
        { what: 'thing', driver: 'memory' },
      ),
    );
    expect(InvalidInputError.isInstance(error)).toBe(true);
    const typed = error as InvalidInputError;
    expect(typed.message).toMatch(/^\[tristack\] \[memory\] invalid thing: nested\.count: could not be read/);
    expect(typed.issues[0]?.path).toEqual(['nested', 'count']);
    expect(typed.cause).toBeInstanceOf(RangeError);
  });

  it('a Proxy whose traps throw, as the value or a field, is an InvalidInputError', () => {
    const root = thrownBy(() => parseInput(schema, throwingProxy(), { what: 'thing' }));
    expect(InvalidInputError.isInstance(root)).toBe(true);
    expect((root as Error).cause).toBeInstanceOf(TypeError);
    const field = thrownBy(() => parseInput(schema, { name: throwingProxy() }, { what: 'thing' }));
    expect(InvalidInputError.isInstance(field)).toBe(true);
  });

  it('a revoked Proxy in a field (zod reads it again while building its issue) is an InvalidInputError', () => {
    const error = thrownBy(() =>
      parseInput(schema, { name: 'x', nested: revokedProxy() }, { what: 'thing' }),
    );
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as InvalidInputError).issues[0]?.path).toEqual(['nested']);
  });

  it('ordinary invalid input still lists zod issues; Tristack errors from refinements pass through', () => {
    const error = thrownBy(() => parseInput(schema, { name: 1 }, { what: 'thing' })) as InvalidInputError;
    expect(error.issues.map((issue) => issue.path)).toEqual([['name']]);
    const own = new InvalidInputError('own');
    const refining = z.string().refine(() => {
      throw own;
    });
    expect(thrownBy(() => parseInput(refining, 'x', { what: 'thing' }))).toBe(own);
  });
});

describe('parseOptions with options that throw while read', () => {
  it('is an InvalidOptionsError with the path and the original as cause', () => {
    for (const value of [withThrowingGetter('nested'), throwingProxy(), revokedProxy()]) {
      const error = thrownBy(() => parseOptions(schema, value, { what: 'Thing', driver: 'redis' }));
      expect(InvalidOptionsError.isInstance(error)).toBe(true);
      expect(TristackError.isInstance((error as Error).cause)).toBe(false);
      expect((error as Error).cause).toBeInstanceOf(Error);
    }
    const error = thrownBy(() => parseOptions(schema, withThrowingGetter('nested'), { what: 'Thing' }));
    expect((error as Error).message).toContain('invalid Thing options: nested: could not be read');
  });
});
