/**
 * Adds `listener` to the set kept for `key` (creating it); the returned function removes it, and
 * the set once empty. Each call adds its own entry, so one function may be added twice.
 */
export function addKeyedListener<Key, Listener extends (...args: never[]) => void>(
  registry: Map<Key, Set<Listener>>,
  key: Key,
  listener: Listener,
): () => void {
  let listeners = registry.get(key);
  if (!listeners) registry.set(key, (listeners = new Set()));
  const own = ((...args: Parameters<Listener>) => listener(...args)) as Listener;
  listeners.add(own);
  return () => {
    listeners.delete(own);
    if (listeners.size === 0 && registry.get(key) === listeners) registry.delete(key);
  };
}
