import { compareVersions } from '../redis/version.js';
import type { FakeArcadeTool } from './catalogue.js';

const versionOf = (tool: FakeArcadeTool): string => tool.definition.toolkit.version ?? '0';

/**
 * Resolves tool names the way the engine does: `Toolkit.Tool`, `Toolkit_Tool` and
 * `Toolkit.Tool@version`, case-insensitively. Names are looked up through a table, never
 * by rewriting `_` to `.` (lossy when tool names contain `_`).
 */
export class ToolCatalogueIndex {
  private readonly byName = new Map<string, FakeArcadeTool[]>();

  constructor(readonly tools: readonly FakeArcadeTool[]) {
    for (const tool of tools) {
      const { qualified_name: qualified, toolkit, name } = tool.definition;
      for (const key of new Set([qualified.toLowerCase(), `${toolkit.name}_${name}`.toLowerCase()])) {
        const versions = this.byName.get(key) ?? [];
        versions.push(tool);
        versions.sort((left, right) => compareVersions(versionOf(right), versionOf(left)));
        this.byName.set(key, versions);
      }
    }
  }

  /** The tool for `name` (optionally `@version`), `version` overriding; the latest when unversioned. */
  resolve(name: string, version?: string): FakeArcadeTool | undefined {
    const at = name.lastIndexOf('@');
    const bare = at > 0 ? name.slice(0, at) : name;
    const wanted = version ?? (at > 0 ? name.slice(at + 1) : undefined);
    const versions = this.byName.get(bare.toLowerCase());
    if (!versions) return undefined;
    return wanted === undefined ? versions[0] : versions.find((tool) => versionOf(tool) === wanted);
  }

  /** Latest version of each tool, or every version, in catalogue order. */
  list(includeAllVersions: boolean): FakeArcadeTool[] {
    if (includeAllVersions) return [...this.tools];
    return this.tools.filter((tool) => this.resolve(tool.definition.qualified_name) === tool);
  }
}
