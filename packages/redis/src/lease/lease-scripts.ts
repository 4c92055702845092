import { RedisScript } from '../script.js';
import acquireSource from './lua/acquire-2.lua.generated.js';
import releaseSource from './lua/release-1.lua.generated.js';
import renewSource from './lua/renew-1.lua.generated.js';

// The Lua lives in ./lua (KEYS, ARGV and replies described in each file's header).
export const acquireScript = new RedisScript('lease.acquire', acquireSource);
export const renewScript = new RedisScript('lease.renew', renewSource);
export const releaseScript = new RedisScript('lease.release', releaseSource);
