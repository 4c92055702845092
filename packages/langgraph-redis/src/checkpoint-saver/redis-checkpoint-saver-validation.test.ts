import './validation-globals.js';
import { validate } from '@langchain/langgraph-checkpoint-validation';
import { uniqueId } from '@tristack/testing/redis';
import { useWorkerDatabase } from './worker-database.fixture.js';
import { RedisCheckpointSaver } from './redis-checkpoint-saver.js';

// The official @langchain/langgraph-checkpoint-validation suite (put, putWrites, getTuple, list,
// deleteThread) against this project's server. Each checkpointer gets its own key prefix, so
// instances never see each other's data.
const redis = useWorkerDatabase();

validate({
  checkpointerName: 'RedisCheckpointSaver',
  createCheckpointer: () =>
    new RedisCheckpointSaver({ client: redis.client, prefix: uniqueId('lg').replace('-', '') }),
});
