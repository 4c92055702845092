import { preset } from '@tristack/build';

const options = preset();

// The `tristack` executable is built beside the library entries (ESM; its hashbang is kept).
export default { ...options, entry: { ...(options.entry as Record<string, string>), bin: 'src/bin.ts' } };
