export const packageName = '@tristack/langgraph-redis';
