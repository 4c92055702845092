import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { parseInput } from '../validation.js';
import { executeToolRequestSchema, MAX_TOOL_INPUT_BYTES } from './tool-provider.js';

const parse = (request: Record<string, unknown>) =>
  parseInput(
    executeToolRequestSchema,
    { userId: 'u', toolName: 'Search', ...request },
    { what: 'tool call' },
  );

describe('tool arguments are bounded JSON', () => {
  it('refuses deep, circular, non-JSON and oversized arguments with the path', () => {
    let deep: Record<string, unknown> = {};
    for (let level = 0; level < 10_000; level++) deep = { a: deep };
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    for (const [input, path] of [
      [{ q: deep }, /input\.q(\.a)+/],
      [{ q: loop }, /input\.q\.self/],
      [{ q: 1n }, /input\.q/],
      [{ q: 'x'.repeat(MAX_TOOL_INPUT_BYTES) }, /input/],
    ] as const) {
      expect(() => parse({ input })).toThrow(InvalidInputError);
      expect(() => parse({ input })).toThrow(path);
    }
    expect(() => parse({ trustedInput: loop })).toThrow(/trustedInput\.self/);
  });

  it('keeps ordinary arguments as they are', () => {
    const input = { q: 'weather', filters: [{ near: 'Paris', within: 5 }] };
    expect(parse({ input }).input).toBe(input);
    expect(parse({}).input).toEqual({});
  });
});
