/**
 * The read-only inspector a driver offers through `inspector()`. Every driver has one: it is how
 * `tristack inspect` and dashboards read state without knowing the driver's storage layout.
 */
export function inspectorOf<Inspector>(driver: object, what: string): Inspector {
  const method = (driver as { inspector?: () => Inspector }).inspector;
  if (typeof method !== 'function')
    throw new Error(`this ${what} driver has no inspector(): every driver offers a read-only inspector`);
  return method.call(driver);
}
