/** A stable name for a chat model (for breaker names, cache scope, audit): its model id when it has one. */
export function modelName(model: unknown): string {
  if (typeof model === 'string') return model;
  const candidate = model as {
    model?: unknown;
    modelName?: unknown;
    name?: unknown;
    bound?: unknown;
    _llmType?: () => string;
  };
  for (const field of [candidate?.model, candidate?.modelName]) {
    if (typeof field === 'string' && field.length > 0) return field;
  }
  // A RunnableBinding (bindTools result) names the model it wraps.
  if (candidate?.bound) return modelName(candidate.bound);
  if (typeof candidate?.name === 'string' && candidate.name.length > 0) return candidate.name;
  if (typeof candidate?._llmType === 'function') return candidate._llmType();
  return 'unknown-model';
}
