import { RedisScript } from '../script.js';
import appendSource from './lua/append-2.lua.generated.js';
import cancelSource from './lua/cancel-2.lua.generated.js';
import heartbeatSource from './lua/heartbeat-2.lua.generated.js';
import openSource from './lua/open-2.lua.generated.js';
import pollSource from './lua/poll-2.lua.generated.js';

// The Lua lives in ./lua. Every script takes the stream's two keys (same hash tag): the entries
// (a Stream) and the meta hash; each file's header gives its ARGV and reply.
export const openScript = new RedisScript('token-stream-open', openSource);
export const appendScript = new RedisScript('token-stream-append', appendSource);
export const heartbeatScript = new RedisScript('token-stream-heartbeat', heartbeatSource);
export const cancelScript = new RedisScript('token-stream-cancel', cancelSource);
export const pollScript = new RedisScript('token-stream-poll', pollSource);
