/**
 * The `SET` clause of every server-side function: a function runs with the caller's `search_path`
 * otherwise, so a table, function or operator the caller's schemas shadow would be used in place of
 * the built-in one. Bodies schema-qualify their own objects (`${schema}.table`), so they need only
 * `pg_catalog` (`pg_temp` last, so a temporary object never shadows anything).
 */
export const FUNCTION_SEARCH_PATH = 'SET search_path = pg_catalog, pg_temp';
