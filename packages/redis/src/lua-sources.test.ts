import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MAX_RATE_LIMIT_HORIZON_MS } from '@tristack/core/driver-kit';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  GENERATED_SUFFIX,
  REPOSITORY_ROOT,
  checkLuaScript,
  expandLua,
  findLuaScripts,
  generatedPath,
} from '../../../internal/build/lua.js';
import { HEAD_FIELDS } from './audit-log/audit-log-scripts.js';
import { rateLimiterScript } from './rate-limiter/rate-limiter-script.js';

// Lua lives in .lua files (see internal/build/lua.js); a string literal in TypeScript that calls
// Redis and reads KEYS/ARGV, or returns, is a script that should be one. Hostile test input that
// merely mentions redis.call (no KEYS, ARGV or return) is not.
const CALLS_REDIS = /redis\.(?:p?call|error_reply|status_reply|sha1hex)\s*\(/;
const READS_ARGUMENTS = /\b(?:KEYS|ARGV)\[|(?:^|\s)return\s|(?:^|\s)local\s/;
// Not this package's to move: reported to the testing package's owner.
const KNOWN_ELSEWHERE = ['packages/testing/src/redis/harness.cluster.test.ts'];

function typescriptFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : typescriptFiles(path);
    return path.endsWith('.ts') && !path.endsWith(GENERATED_SUFFIX) ? [path] : [];
  });
}

function luaLiterals(path: string): string[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node))
      text = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join(' ');
    if (text !== undefined && CALLS_REDIS.test(text) && READS_ARGUMENTS.test(text))
      found.push(text.slice(0, 80));
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('Lua scripts as .lua files', () => {
  it('no TypeScript file under packages/*/src holds Lua source (generated modules aside)', () => {
    const packages = join(REPOSITORY_ROOT, 'packages');
    const offenders = readdirSync(packages)
      .flatMap((name) => typescriptFiles(join(packages, name, 'src')))
      .map((path) => relative(REPOSITORY_ROOT, path))
      .filter((path) => !KNOWN_ELSEWHERE.includes(path))
      .filter((path) => luaLiterals(join(REPOSITORY_ROOT, path)).length > 0);
    expect(offenders).toEqual([]);
  });

  it('the check recognises a script in a string, and not hostile input that merely mentions one', () => {
    const sample = join(REPOSITORY_ROOT, 'packages/redis/src/script.ts');
    expect(luaLiterals(sample)).toEqual([]);
    // Put together here, so this file holds no script itself.
    const script = ['return redis', "call('GET', KEYS[1])"].join('.');
    expect(CALLS_REDIS.test(script) && READS_ARGUMENTS.test(script)).toBe(true);
    const hostile = ["x', redis", "call('FLUSHDB'), '"].join('.');
    expect(CALLS_REDIS.test(hostile) && READS_ARGUMENTS.test(hostile)).toBe(false);
  });

  it('every script is named with its key count and has a KEYS / ARGV / Returns header', () => {
    const scripts = findLuaScripts();
    expect(scripts.length).toBeGreaterThan(40);
    expect(scripts.flatMap((path) => checkLuaScript(path))).toEqual([]);
  });

  it('every generated module holds its script as the .lua files say today', async () => {
    for (const script of findLuaScripts()) {
      const module = (await import(generatedPath(script))) as { default: string };
      expect(module.default, relative(REPOSITORY_ROOT, script)).toBe(expandLua(script));
      expect(module.default).not.toMatch(/^--- @include/m);
    }
  });

  it('constants written out in Lua match their TypeScript twins', () => {
    expect(rateLimiterScript.source).toContain(`local MAX_HORIZON_MS = ${MAX_RATE_LIMIT_HORIZON_MS}\n`);
    const verifyPage = readFileSync(
      join(REPOSITORY_ROOT, 'packages/redis/src/audit-log/lua/verify-page-2.lua'),
      'utf8',
    );
    expect(verifyPage).toContain(`'HMGET', KEYS[2], ${HEAD_FIELDS.map((name) => `'${name}'`).join(', ')})`);
  });
});
