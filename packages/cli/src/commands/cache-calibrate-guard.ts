import { defaultNearMissGuard } from '@tristack/core';
import type { CalibrationGuard } from '@tristack/core/calibration';
import { UsageError } from '../command.js';

/** Resolves `--guard on|off`: on (the default) runs the guard the cache runs by default. */
export function calibrationGuard(value: string | boolean | undefined): CalibrationGuard | undefined {
  const setting = value === undefined ? 'on' : String(value);
  if (setting === 'off') return undefined;
  if (setting !== 'on') throw new UsageError(`--guard: expected on or off, got "${setting}"`);
  return defaultNearMissGuard;
}
