import { z } from 'zod';

/** A function option (a key builder, a resolver, a callback). */
export const functionOption = <Fn>(name: string) =>
  z.custom<Fn>((value) => typeof value === 'function', { message: `${name} must be a function` });

/**
 * A driver instance, told apart by the methods the component calls: any object that has them
 * (the Redis driver, the in-memory one, a test double) passes.
 */
export const instanceOption = <Instance>(name: string, methods: readonly string[]) =>
  z.custom<Instance>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
    { message: `${name} must have ${methods.map((method) => `a ${method} method`).join(' and ')}` },
  );

/** An object option whose fields the component it is handed to checks. */
export const objectOption = <Shape>(name: string) =>
  z.custom<Shape>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), {
    message: `${name} must be an object`,
  });

/** A count of messages, tokens, repairs or milliseconds: a whole number in range. */
export const countOption = (minimum: number, maximum = 1_000_000_000) =>
  z.number().int().min(minimum).max(maximum);
