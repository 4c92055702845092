import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Every id reaches a Redis key through `redisKey` / `encodeKeyPart` / `compositeKey` (issue 16):
// a template string that joins ids by hand (`${tenantId}:${userId}`, `${prefix}:memory:{${userId}}`)
// let distinct ids meet on one key. This guard reads the library sources and fails on such
// templates. Tests and fixtures are not scanned, nor `packages/testing` (conformance suites and
// fakes: test code that writes no library key).

const ROOT = join(import.meta.dirname, '../../../..');

/** Templates that stay, by file and exact template text, each with why it is not a hand-built key. */
const ALLOWED: readonly { file: string; template: string; reason: string }[] = [
  {
    file: 'packages/arcade/src/arcade-user-id.ts',
    template: '${encodeKeyPart(tenantId)}:${encodeKeyPart(userId)}',
    reason:
      'the Arcade user_id format kept for existing grants; both parts are encoded and encoded parts hold no ":", so it is injective',
  },
  {
    file: 'packages/redis/src/rate-limiter/redis-rate-limiter-inspector.ts',
    template:
      '${globEscape(`${this.prefix}:${PRIMITIVE}:`)}{${part(limiter)}:${part(options.scope)}:${encodeKeyPart(id)}}',
    reason:
      "a SCAN MATCH glob mirroring redisKey's layout (redisKey cannot write `*`); every id in it is encodeKeyPart output",
  },
  {
    file: 'packages/redis/src/semantic-cache/redis-semantic-cache.ts',
    template: '${prefix}:${PRIMITIVE}:index:${encodeKeyPart(this.options.name)}:${this.embedderKey}',
    reason: 'a RediSearch index name, not a key; the cache name is encoded',
  },
  {
    file: 'packages/redis/src/semantic-cache/redis-semantic-cache.ts',
    template: '${prefix}:${PRIMITIVE}:{${encodeKeyPart(this.options.name)}:',
    reason:
      "the FT.CREATE PREFIX of the cache's keys: an open hash tag redisKey cannot write; the cache name is encoded",
  },
];

/** A template literal as written: its literal pieces and the source text of its substitutions. */
interface Template {
  readonly literals: readonly string[];
  readonly expressions: readonly string[];
}

// An id-looking substitution: `userId`, `request.tenantId`, `threadIds[0]`, `conversation`,
// `encodeKeyPart(x)` (whoever encodes a value treats it as an id)…
const ID_SUFFIX = /(?:^|[a-z0-9_])(?:Id|Ids|ID)\b|\bids?\b/;
const ID_WORD = /\b\w*(?:tenant|user|conversation|thread|session|namespace|owner|resource)\w*\b/i;
const ENCODED = /\b(?:encodeKeyPart|compositeKey)\(/;
const isIdLike = (expression: string) =>
  ID_SUFFIX.test(expression) || ID_WORD.test(expression) || ENCODED.test(expression);

// A key stem: `${prefix}:`, `${this.prefix}:`, `${base}:`, `${this.base(name)}:`, `${redisKey(…)}:`.
const STEM = /(?:\bprefix\b|Prefix\b|\bbase\b|\.base\(|\bredisKey\()/;

/** Why `template` builds a key from ids by hand, or undefined when it does not. */
function handBuiltKeyReason({ literals, expressions }: Template): string | undefined {
  const ids = expressions.filter((expression, index) => isIdLike(expression) && !isStem(index));
  function isStem(index: number): boolean {
    return STEM.test(expressions[index]!) && literals[index + 1]!.startsWith(':');
  }
  const stem = expressions.some((_, index) => isStem(index));
  const handTag = literals.slice(0, -1).some((literal) => literal.endsWith('{'));
  if (handTag && ids.length > 0) return 'a hash tag `{${…}}` around an id built by hand';
  if (stem && ids.length > 0) return 'a key stem `${prefix}:` / `${base}:` joined to an id by hand';
  for (let index = 0; index < expressions.length; index++) {
    if (!isIdLike(expressions[index]!)) continue;
    const before = literals[index]!;
    const between = literals[index + 1]!;
    const next = expressions[index + 1];
    if (next !== undefined && isIdLike(next) && /^[\w-]*:[\w:-]*$/.test(between))
      return 'two ids joined with ":" by hand';
    if (/[\w-]:$/.test(before)) return 'an id appended to a `kind:` key segment by hand';
  }
  return undefined;
}

function templatesOf(file: string, text: string): Template[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Template[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isTemplateExpression(node))
      found.push({
        literals: [node.head.text, ...node.templateSpans.map((span) => span.literal.text)],
        expressions: node.templateSpans.map((span) => span.expression.getText(source)),
      });
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const render = ({ literals, expressions }: Template) =>
  literals
    .map((literal, index) => (index === 0 ? literal : `\${${expressions[index - 1]}}${literal}`))
    .join('');

function* librarySources(directory: string): Generator<string> {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') yield* librarySources(path);
    } else if (entry.name.endsWith('.ts') && !/\.(?:test|test-d|fixture|d)\.ts$/.test(entry.name)) yield path;
  }
}

function findings(): { file: string; template: string; reason: string }[] {
  const out: { file: string; template: string; reason: string }[] = [];
  for (const name of readdirSync(join(ROOT, 'packages'))) {
    if (name === 'testing') continue;
    const source = join(ROOT, 'packages', name, 'src');
    let files: string[];
    try {
      files = [...librarySources(source)];
    } catch {
      continue;
    }
    for (const path of files)
      for (const template of templatesOf(path, readFileSync(path, 'utf8'))) {
        const reason = handBuiltKeyReason(template);
        if (reason) out.push({ file: relative(ROOT, path), template: render(template), reason });
      }
  }
  return out;
}

/** Parses one template literal written in source form, for the rule's own tests. */
function template(code: string): Template {
  return templatesOf('probe.ts', `const probe = ${code};`)[0]!;
}

describe('handBuiltKeyReason (the rule)', () => {
  it.each([
    '`${prefix}:memory:{${userId}}`',
    '`${tenantId}:${userId}`',
    '`${this.prefix}:lease:${conversationId}`',
    '`${redisKey(prefix, "x", name)}:${threadId}`',
    '`${base}:idem:${encodeKeyPart(key)}`',
    '`user:${request.userId}`',
    '`${prefix}:cache:{${encodeKeyPart(name)}}:entry`',
    '`tenant:${tenant}:user:${user}`',
  ])('flags %s', (code) => {
    expect(handBuiltKeyReason(template(code))).toBeDefined();
  });

  it.each([
    '`invalid ${field}: ${message}`',
    '`[tristack] [memory] user ${userId} has no lease`',
    '`${prefix}:broadcast:`',
    '`${base}:control`',
    '`circuit_open:${name}`',
    '`${name}:${randomUUID()}`',
    '`stream ${options.streamId}: the producer is silent`',
    '`{${keys.map((key) => JSON.stringify(key)).join(",")}}`',
  ])('lets %s pass', (code) => {
    expect(handBuiltKeyReason(template(code))).toBeUndefined();
  });
});

describe('library sources', () => {
  const found = findings();
  const allowed = (finding: { file: string; template: string }) =>
    ALLOWED.some((entry) => entry.file === finding.file && entry.template === finding.template);

  it('build no Redis key, Arcade id or composite key from ids by hand', () => {
    const offending = found.filter((finding) => !allowed(finding));
    expect(
      offending.map((finding) => `${finding.file}: \`${finding.template}\` (${finding.reason})`),
      'use redisKey(prefix, primitive, [ids…], …parts) or compositeKey([[kind, id], …])',
    ).toEqual([]);
  });

  it('allow-list only templates that are still there', () => {
    const stale = ALLOWED.filter(
      (entry) => !found.some((finding) => finding.file === entry.file && finding.template === entry.template),
    );
    expect(stale.map((entry) => `${entry.file}: ${entry.template}`)).toEqual([]);
  });
});
