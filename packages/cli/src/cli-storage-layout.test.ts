import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SOURCE = fileURLToPath(new URL('.', import.meta.url));

/**
 * Fragments of how the Redis drivers lay out their state: key shapes, hash fields, the commands
 * that read them. The CLI renders what the drivers' inspectors return; a fragment here means it
 * decodes storage itself again, and `tristack inspect` could no longer follow another backend.
 */
const LAYOUT_FRAGMENTS: { name: string; pattern: RegExp }[] = [
  { name: 'rate-limiter field !b', pattern: /['"`]!b['"`]/ },
  { name: 'rate-limiter field !h', pattern: /['"`]!h['"`]/ },
  { name: 'token bucket field :tat', pattern: /:tat\b|['"`]tat['"`]/ },
  { name: 'lease field holder', pattern: /['"`]holder['"`]/ },
  { name: 'lease field fence', pattern: /['"`]fence['"`]/ },
  { name: 'semantic-cache key scopes', pattern: /['"`:]scopes['"`]/ },
  { name: 'semantic-cache key stats', pattern: /['"`:]stats['"`]/ },
  { name: 'semantic-cache key index:', pattern: /index:/ },
  { name: 'semantic-cache key vectors:', pattern: /vectors:/ },
  { name: 'breaker key :state', pattern: /:state\b/ },
  { name: 'queue key :counts', pattern: /:counts\b/ },
  { name: 'audit key :head', pattern: /:head\b/ },
  { name: 'a hash tag', pattern: /\{\*\}|:\{/ },
  {
    name: 'a primitive key segment',
    pattern: /:(rate-limiter|circuit-breaker|semantic-cache|lease|queue|audit):/,
  },
  { name: 'redisKey(', pattern: /redisKey\(/ },
  { name: 'key part encoding', pattern: /(en|de)codeKeyPart/ },
  { name: 'raw commands', pattern: /sendCommand|toRedisConnection|hashReplyToRecord/ },
  {
    name: 'Redis read commands',
    pattern: /['"`](SCAN|HGETALL|HMGET|HGET|HLEN|PTTL|ZCOUNT|VCARD|XRANGE|XLEN)['"`]/,
  },
];

/**
 * Where a fragment is something else: the audit trail shows a lease event's `data.holder`, a
 * field of the public audit event schema, not of any stored hash.
 */
const ALLOWED: { file: string; name: string }[] = [{ file: 'describe-event.ts', name: 'lease field holder' }];

function sources(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !/\.(test|fixture)\.ts$/.test(entry.name) ? [path] : [];
  });
}

describe('packages/cli knows no storage layout', () => {
  it('finds the fragments it looks for (the guard itself works)', () => {
    const sample =
      "connection.sendCommand(['HGETALL', `${prefix}:rate-limiter:{a:b:c}`]); fields['!b']; 'holder'";
    const hits = LAYOUT_FRAGMENTS.filter(({ pattern }) => pattern.test(sample)).map(({ name }) => name);
    expect(hits).toEqual(
      expect.arrayContaining([
        'rate-limiter field !b',
        'lease field holder',
        'a hash tag',
        'a primitive key segment',
        'raw commands',
        'Redis read commands',
      ]),
    );
  });

  it('no non-test source names a Redis field, key layout or read command', () => {
    const files = sources(SOURCE);
    expect(files.length).toBeGreaterThan(10);
    const found: string[] = [];
    for (const file of files) {
      const name = relative(SOURCE, file);
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          for (const fragment of LAYOUT_FRAGMENTS) {
            if (!fragment.pattern.test(line)) continue;
            if (ALLOWED.some((allowed) => name.endsWith(allowed.file) && allowed.name === fragment.name))
              continue;
            found.push(`${name}:${index + 1}: ${fragment.name}: ${line.trim()}`);
          }
        });
    }
    expect(found).toEqual([]);
  });
});
