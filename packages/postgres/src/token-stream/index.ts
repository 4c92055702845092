export { PostgresTokenStream, type PostgresTokenStreamOptions } from './postgres-token-stream.js';
