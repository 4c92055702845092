import { RedisScript } from '../script.js';
import cancelSource from './lua/cancel-1.lua.generated.js';
import enqueueSource from './lua/enqueue-1.lua.generated.js';
import heartbeatSource from './lua/heartbeat-1.lua.generated.js';
import progressSource from './lua/progress-1.lua.generated.js';
import retryDeadSource from './lua/retry-dead-1.lua.generated.js';
import statsSource from './lua/stats-1.lua.generated.js';
import stepSource from './lua/step-1.lua.generated.js';

// The Lua lives in ./lua: one file per script; the key layout and the job transitions every
// script shares are in ./lua/includes/job-prelude.lua.
export const enqueueScript = new RedisScript('queue.enqueue', enqueueSource);
export const stepScript = new RedisScript('queue.step', stepSource);
export const heartbeatScript = new RedisScript('queue.heartbeat', heartbeatSource);
export const progressScript = new RedisScript('queue.progress', progressSource);
export const cancelScript = new RedisScript('queue.cancel', cancelSource);
export const retryDeadScript = new RedisScript('queue.retry-dead', retryDeadSource);
export const statsScript = new RedisScript('queue.stats', statsSource);
