/**
 * tsx src/limit-script.ts <sliding | three-rules>
 * Prints the Lua `limit()` runs for the compare page's limiter rows (its specialised script for
 * that shape of rules), so that `scripts/lua-instructions.sh` can count what it costs:
 *
 *   npx tsx src/limit-script.ts sliding > /tmp/sliding.lua
 *   scripts/lua-instructions.sh /tmp/sliding.lua 'tristack:rate-limiter:{bench:default:hot}' 1
 *   npx tsx src/limit-script.ts three-rules > /tmp/three.lua
 *   scripts/lua-instructions.sh /tmp/three.lua 'tristack:rate-limiter:{bench:default:hot}' 1 1200 0.02
 *
 * (ARGV: each rule's cost in order, as the bench's calls charge it.) Reads the sources, not the
 * build: it prints text, it measures nothing.
 */
import { resolveRateLimiterOptions } from '../../packages/core/src/rate-limiter/rate-limit-plan.js';
import { limitScriptSource } from '../../packages/redis/src/rate-limiter/limit-script-source.js';
import { unreachableLimits } from './benchmarks/rate-limiter.js';

const { sliding, llmRules } = unreachableLimits();
const shapes = { sliding: [sliding], 'three-rules': llmRules };
const which = process.argv[2] as keyof typeof shapes;
if (!(which in shapes))
  throw new Error(`usage: tsx src/limit-script.ts <${Object.keys(shapes).join(' | ')}>`);
const { limits } = resolveRateLimiterOptions({ name: 'bench', limits: shapes[which] }, 'bench');
process.stdout.write(`${limitScriptSource([limits])}\n`);
