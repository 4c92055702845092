export const packageName = '@tristack/langchain';
