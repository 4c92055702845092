/**
 * Every exported error class of every package, discovered from the packages' exports maps (root
 * and subpaths), so a new class cannot be forgotten: it needs a sample below or this test fails.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { TRISTACK_ERROR_CODES } from './tristack-error-codes.js';
import { TristackError } from './tristack-error.js';

type ErrorClass = (abstract new (...args: never[]) => TristackError) & typeof TristackError;

/** Constructor arguments of one instance of each class, by class name. */
const sampleArguments: Record<string, readonly unknown[]> = {
  TristackError: ['CONFLICT', 'a base error'],
  InvalidInputError: ['bad input'],
  InvalidOptionsError: ['bad options'],
  BackendUnavailableError: ['cannot reach the store'],
  AbortedError: ['stopped'],
  CircuitOpenError: [{ name: 'model:x', state: 'open', reason: 'open', retryAfterMs: 10 }],
  LeaseBusyError: ['thread-1', { retryAfterMs: 5 }],
  LeaseLostError: ['thread-1', 3, { currentFencingToken: 4 }],
  ToolExecutionError: ['upstream', 'the tool failed'],
  TokenStreamFailedError: [{ streamId: 's', reason: 'boom' }],
  TokenStreamProducerGoneError: [{ streamId: 's', silentForMs: 10, heartbeatTimeoutMs: 5 }],
  TokenStreamTrimmedError: [{ streamId: 's', neededChunk: 0, firstStoredChunk: 4 }],
  TokenStreamNotFoundError: [{ streamId: 's' }],
  TokenStreamAlreadyExistsError: [{ streamId: 's' }],
  TokenStreamClosedError: [{ streamId: 's', state: 'ended' }],
  TokenStreamCancelledError: [{ streamId: 's', reason: 'user pressed stop' }],
  RateLimitedError: ['model call', { allowed: false, retryAfterMs: 10, reason: 'limited', rule: 'rpm' }],
  StructuredOutputRepairError: [2, new Error('not JSON'), '{'],
  MissingRunIdentityError: ['rate limit', 'userId', { driver: 'core' }],
  McpAuthorizationRequiredError: [
    { id: 'a1', url: 'https://auth.example/consent', scopes: [], reason: 'not_authorized' },
    { driver: 'mcp' },
  ],
  ToolApprovalNotIssuedError: ['Orders_Refund', 'call-1'],
};

const packagesDir = fileURLToPath(new URL('../../../', import.meta.url));

/** Source path of every entry point of every package (`@tristack/source` condition of its exports map). */
function entryPoints(): string[] {
  const paths: string[] = [];
  for (const pkg of readdirSync(packagesDir)) {
    let manifest: { exports?: Record<string, unknown> };
    try {
      manifest = JSON.parse(readFileSync(join(packagesDir, pkg, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    for (const target of Object.values(manifest.exports ?? {})) {
      const source = (target as { '@tristack/source'?: unknown })['@tristack/source'];
      if (typeof source === 'string') paths.push(join(packagesDir, pkg, source));
    }
  }
  return paths;
}

/** Exported constructors whose prototype chain reaches a TristackError (of this module copy, by marker). */
async function discoverErrorClasses(paths: readonly string[]): Promise<Map<string, ErrorClass>> {
  const classes = new Map<string, ErrorClass>();
  for (const path of paths) {
    const module = (await import(/* @vite-ignore */ path)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (typeof value !== 'function' || !isTristackErrorClass(value)) continue;
      const known = classes.get(value.name);
      // Names key the markers (`tristack.error.<Name>`), so two classes must never share one — except an
      // adapter's subclass that only presets constructor arguments (LangChain's and the AI SDK's
      // MissingRunIdentityError): it adds no marker, so the base class stands for both.
      if (known !== undefined && known !== value) {
        if (value.prototype instanceof known) continue;
        if (!(known.prototype instanceof value)) throw new Error(`two error classes named ${value.name}`);
      }
      classes.set(value.name, value);
    }
  }
  return classes;
}

function isTristackErrorClass(value: Function): value is ErrorClass {
  for (let proto: unknown = value; typeof proto === 'function'; proto = Object.getPrototypeOf(proto)) {
    if (proto.name === 'TristackError' && 'hasCode' in proto) return true;
  }
  return false;
}

function sample(Class: ErrorClass): TristackError {
  const args = sampleArguments[Class.name];
  if (args === undefined) throw new Error(`add sample constructor arguments for ${Class.name}`);
  return Reflect.construct(Class, args) as TristackError;
}

const markerOf = (name: string) =>
  Symbol.for(name === 'TristackError' ? 'tristack.error' : `tristack.error.${name}`);

describe('error guards of every exported error class', () => {
  const paths = entryPoints();
  let classes: Map<string, ErrorClass>;
  let copies: Map<string, ErrorClass>;

  beforeAll(async () => {
    classes = await discoverErrorClasses(paths);
    // A second copy of every package, as when an application installs @tristack/core twice.
    vi.resetModules();
    copies = await discoverErrorClasses(paths);
  }, 120_000);

  it('finds the classes of every package, each with a sample', () => {
    expect(paths.length).toBeGreaterThan(20);
    expect([...classes.keys()]).toEqual(
      expect.arrayContaining([
        'TristackError',
        'AbortedError',
        'CircuitOpenError',
        'TokenStreamCancelledError',
        'RateLimitedError',
        'MissingRunIdentityError',
      ]),
    );
    expect([...classes.keys()].sort()).toEqual(Object.keys(sampleArguments).sort());
  });

  it('every class has its own isInstance and its own marker', () => {
    for (const [name, Class] of classes) {
      expect(Object.hasOwn(Class, 'isInstance'), `${name}.isInstance is its own`).toBe(true);
      const error = sample(Class);
      expect(Object.getOwnPropertySymbols(error), name).toContain(markerOf(name));
      expect((error as unknown as Record<symbol, unknown>)[Symbol.for('tristack.error')]).toBe(true);
      expect(error.name).toBe(name);
    }
  });

  it('each guard accepts its own class (and subclasses) and rejects every other class', () => {
    let rejections = 0;
    for (const [name, Class] of classes) {
      const error = sample(Class);
      expect(Class.isInstance(error), `${name} accepts its own`).toBe(true);
      expect(TristackError.isInstance(error)).toBe(true);
      for (const [otherName, Other] of classes) {
        // Same answer as instanceof: only the class itself and its ancestors (TristackError for all).
        const expected = error instanceof Other;
        expect(Other.isInstance(error), `${otherName}.isInstance(new ${name})`).toBe(expected);
        if (!expected) rejections += 1;
      }
      expect(Class.isInstance(new Error('plain'))).toBe(false);
      expect(Class.isInstance({ code: error.code, message: error.message })).toBe(false);
    }
    // At least every pair of unrelated classes was rejected.
    expect(rejections).toBeGreaterThanOrEqual((classes.size - 1) * (classes.size - 2));
  });

  it('hasCode holds for each class with its declared code, and only that code', () => {
    for (const [name, Class] of classes) {
      const error = sample(Class);
      expect(TRISTACK_ERROR_CODES, name).toContain(error.code);
      expect(TristackError.hasCode(error, error.code)).toBe(true);
      const other = TRISTACK_ERROR_CODES.find((code) => code !== error.code)!;
      expect(TristackError.hasCode(error, other)).toBe(false);
    }
  });

  it('guards recognise errors from a second copy of the packages', () => {
    expect(copies.size).toBe(classes.size);
    for (const [name, Class] of classes) {
      const Copy = copies.get(name)!;
      expect(Copy, `${name} was evaluated again`).not.toBe(Class);
      const foreign = sample(Copy);
      expect(foreign instanceof Class).toBe(false);
      expect(Class.isInstance(foreign), `${name} accepts its copy`).toBe(true);
      for (const [otherName, Other] of classes) {
        const expected = sample(Class) instanceof Other;
        expect(Other.isInstance(foreign), `${otherName}.isInstance(copy of ${name})`).toBe(expected);
      }
    }
  });

  it('guards recognise a plain object that carries the markers', () => {
    for (const [name, Class] of classes) {
      const markers = Object.getOwnPropertySymbols(sample(Class)).filter((symbol) =>
        symbol.description?.startsWith('tristack.error'),
      );
      const plain = Object.fromEntries(markers.map((symbol) => [symbol, true])) as object;
      expect(Class.isInstance(plain), name).toBe(true);
      expect(TristackError.isInstance(plain)).toBe(true);
      const onlyBase = { [Symbol.for('tristack.error')]: true };
      if (name !== 'TristackError') expect(Class.isInstance(onlyBase), name).toBe(false);
    }
  });
});
