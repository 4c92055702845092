import { RedisScript } from '../script.js';
import appendSource from './lua/append-2.lua.generated.js';
import clearSource from './lua/clear-2.lua.generated.js';
import deleteUserSource from './lua/delete-user-1+.lua.generated.js';
import listSource from './lua/list-1+.lua.generated.js';
import readSource from './lua/read-1.lua.generated.js';
import touchSource from './lua/touch-2.lua.generated.js';

// The Lua lives in ./lua. Keys of one user (all share the user's hash tag, so every script runs on
// one cluster slot): list <prefix>:memory:{<tenant>:<user>}:c:<conversation>, and the user's index
// (a sorted set of conversation ids) beside it; each file's header says which it takes.
export const appendScript = new RedisScript('conversation-memory.append', appendSource);
export const readScript = new RedisScript('conversation-memory.read', readSource);
export const listScript = new RedisScript('conversation-memory.list', listSource);
export const clearScript = new RedisScript('conversation-memory.clear', clearSource);
export const touchScript = new RedisScript('conversation-memory.touch', touchSource);
export const deleteUserScript = new RedisScript('conversation-memory.delete-user', deleteUserSource);
