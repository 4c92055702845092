import type { RateLimitRule } from '@tristack/core';
import { MAX_RATE_LIMIT_HORIZON_MS } from '@tristack/core/driver-kit';
import { LuaTemplate, type TemplateKey, type TemplateRule } from './lua-template.js';
import limitTemplateSource from './lua/limit-template-1+.lua.generated.js';

// The Lua lives in ./lua/limit-template-1+.lua and ./lua/includes/limit-<algorithm>.lua; this file
// only works out the numbers each rule writes in.
const limitTemplate = new LuaTemplate(limitTemplateSource);

/** Rules a specialised script may hold: Lua allows 200 locals per function. */
export const MAX_SPECIALISED_RULES = 8;

/**
 * The Lua of `limit()` specialised to one call shape: the rules of each key, in order. It is
 * `lua/rate-limit-1+.lua` in 'limit' mode with every rule's constants written in and every loop
 * over rules unrolled (KEYS, ARGV and reply in the template's header). A differential test holds
 * the two scripts to the same replies and the same stored fields.
 */
export function limitScriptSource(shape: readonly (readonly RateLimitRule[])[]): string {
  let argument = 0;
  const keys = shape.map((keyRules, keyIndex): TemplateKey => {
    const key = keyIndex + 1;
    // A key's HMGET row starts with '!b' and '!h'; then each rule's fields, in order.
    let field = 3;
    const rules = keyRules.map((rule, ruleIndex): TemplateRule => {
      argument += 1;
      const values = ruleValues(rule, `${key}_${ruleIndex + 1}`, key, argument, field);
      field += limitTemplate.expressionCount(rule.algorithm, 'read');
      const anchor = rule.algorithm === 'fixed-window' ? rule.anchor : undefined;
      return { kind: rule.algorithm, attributes: { anchor }, values };
    });
    // The hash outlives the last moment anything in it counts by up to a second.
    const longestWindow = Math.max(...keyRules.map((rule) => rule.windowMs));
    return { values: { K: String(key), GRACE_MS: number(Math.min(1000, longestWindow)) }, rules };
  });
  return limitTemplate.render(keys, { MAX_HORIZON_MS: number(MAX_RATE_LIMIT_HORIZON_MS) });
}

/** A Lua literal that parses back to exactly `value` (JavaScript prints the shortest round trip). */
function number(value: number): string {
  return String(value);
}

/** The template's placeholder values for one rule (see the header of limit-template-1+.lua). */
function ruleValues(
  rule: RateLimitRule,
  id: string,
  key: number,
  argument: number,
  field: number,
): Record<string, string> {
  // Rule names are written into Lua strings: the option schema allows only [A-Za-z0-9_.-].
  if (!/^[A-Za-z0-9_.-]+$/.test(rule.name))
    throw new Error(`[tristack] [redis] rule name ${JSON.stringify(rule.name)} cannot be written into Lua`);
  const capacity = rule.algorithm === 'token-bucket' ? rule.burst : rule.limit;
  // fits(used, cost, capacity) of the general script: a relative slack of 1e-9, bit for bit.
  const slack = capacity * 1e-9;
  const values: Record<string, string> = {
    K: String(key),
    R: id,
    NAME: rule.name,
    ARG: String(argument),
    FIELD: String(field),
    FIELD_1: String(field + 1),
    FIELD_2: String(field + 2),
    FIELD_3: String(field + 3),
    WINDOW: number(rule.windowMs),
    CAPACITY: number(capacity),
    UPPER: number(capacity + slack),
    LOWER: number(capacity - slack),
    SLACK: number(slack),
  };
  if (rule.algorithm === 'sliding-window') {
    values.SEGMENTS = number(rule.segments);
    values.NEXT = number(rule.segments + 1);
    values.SIZE = number(rule.windowMs / rule.segments);
  } else if (rule.algorithm === 'token-bucket') {
    const interval = rule.windowMs / rule.limit;
    values.INTERVAL = number(interval);
    values.BURST_DURATION = number(rule.burst * interval);
  }
  return values;
}
