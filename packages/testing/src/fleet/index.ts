export { spawnNodeWorker, type NodeWorker, type SpawnNodeWorkerOptions } from './node-worker.js';
export { eventually } from './eventually.js';
export { restartableServerCommand } from './restartable-server.js';
