import { RedisScript } from '../script.js';
import rateLimitSource from './lua/rate-limit-1+.lua.generated.js';

// The Lua lives in ./lua/rate-limit-1+.lua (KEYS, ARGV, hash fields and reply in its header).
export const rateLimiterScript = new RedisScript('rate-limiter', rateLimitSource);
