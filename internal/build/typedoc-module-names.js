// @ts-check
// TypeDoc plugin: names each module of the API reference by its import specifier (`@tristack/core/driver-kit`)
// instead of its folder (`core/src/driver-kit`), which is what a reader types.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Converter, ReflectionKind } from 'typedoc';

/** @param {string} folder the folder under packages/ @returns {string} */
function packageName(folder) {
  return JSON.parse(readFileSync(join('packages', folder, 'package.json'), 'utf8')).name;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const match = /^([^/]+)\/src(?:\/(.+))?$/.exec(module.name);
      if (!match?.[1]) continue;
      module.name = match[2] ? `${packageName(match[1])}/${match[2]}` : packageName(match[1]);
    }
  });
}
