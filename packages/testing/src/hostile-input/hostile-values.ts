/** The inputs of the hostile-input table: every argument position that takes a number, string or object gets each. */
export const HOSTILE_VALUE_NAMES = [
  'NaN',
  '+Infinity',
  '-Infinity',
  '1e308',
  '2^53',
  '-1',
  '0',
  "''",
  '1 MiB string',
  'depth 10,000',
  'circular',
  'wrong type',
  'throwing getter',
  'throwing Proxy',
  'throwing toJSON',
  'Invalid Date',
  'sparse array',
] as const;

export type HostileValueName = (typeof HOSTILE_VALUE_NAMES)[number];

/** `{ a: { a: … } }`, `depth` objects deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

function circular(): Record<string, unknown> {
  const value: Record<string, unknown> = { name: 'loop' };
  value.self = value;
  return value;
}

/** Reading any property throws (as a lazily computed field that fails would). */
function throwingGetter(): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const key of ['name', 'value', 'content', 'userId', 'cost'])
    Object.defineProperty(value, key, {
      enumerable: true,
      get() {
        throw new RangeError('hostile getter');
      },
    });
  return value;
}

/** Every trap throws: reading, listing keys, `in`, even `Array.isArray` finds nothing to inspect. */
function throwingProxy(): object {
  const fail = () => {
    throw new TypeError('hostile proxy trap');
  };
  return new Proxy(
    {},
    { get: fail, has: fail, ownKeys: fail, getOwnPropertyDescriptor: fail, getPrototypeOf: fail },
  );
}

/** `[ , 'x', , 'y']`, built without `new Array(n)`. */
function sparseArray(): unknown[] {
  const value: unknown[] = [];
  value[1] = 'x';
  value[3] = 'y';
  return value;
}

/** A fresh value per call (a call must not be able to change the next call's input). */
export function hostileValue(name: HostileValueName): unknown {
  switch (name) {
    case 'NaN':
      return Number.NaN;
    case '+Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    case '1e308':
      return 1e308;
    case '2^53':
      return 2 ** 53;
    case '-1':
      return -1;
    case '0':
      return 0;
    case "''":
      return '';
    case '1 MiB string':
      return 'x'.repeat(1024 * 1024);
    case 'depth 10,000':
      return nested(10_000);
    case 'circular':
      return circular();
    case 'wrong type':
      // Wrong for every position of the table: no API takes a boolean where it takes a number, string or object.
      return true;
    case 'throwing getter':
      return throwingGetter();
    case 'throwing Proxy':
      return throwingProxy();
    case 'throwing toJSON':
      return {
        toJSON() {
          throw new SyntaxError('hostile toJSON');
        },
      };
    case 'Invalid Date':
      return new Date(Number.NaN);
    case 'sparse array':
      // Holes before set items (`[ , 'x', , 'y']`): `filter`/`map` skip them, indexed reads see undefined.
      return sparseArray();
  }
}
