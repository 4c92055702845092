export {
  RedisCheckpointSaver,
  type RedisCheckpointSaverOptions,
  type CheckpointFencingOptions,
} from './redis-checkpoint-saver.js';
