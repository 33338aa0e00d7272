/**
 * Where a node finds its layout: `--layout FILE.json`, else `CLUSTER_LAYOUT`, else the embedded
 * default. Compiled binaries cannot import `.ts` files at run time, so files are JSON.
 *
 * @module
 */
import { LayoutError } from "../errors.ts";
import type { ClusterLayout } from "../layout/types.ts";
import { parseLayoutJson } from "../layout/parse_layout.ts";

/** A loaded layout and where it came from. */
export interface LoadedLayout {
  readonly layout: ClusterLayout;
  /** A file path, or `embedded default`. */
  readonly source: string;
}

/**
 * Loads the layout.
 *
 * @param path `--layout` value, if given.
 * @param env Environment (`CLUSTER_LAYOUT`).
 * @param fallback The embedded default layout.
 * @returns The layout and its source.
 * @throws {LayoutError} When the file cannot be read or is invalid.
 */
export async function loadLayout(
  path: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  fallback: ClusterLayout,
): Promise<LoadedLayout> {
  const file = path ?? (env.CLUSTER_LAYOUT || undefined);
  if (file === undefined) return { layout: fallback, source: "embedded default" };
  if (!file.endsWith(".json")) {
    throw new LayoutError([
      `layout file ${file} must be JSON (FILE.json): compiled binaries cannot load .ts files`,
    ]);
  }
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw new LayoutError([`cannot read layout file ${file}: ${(error as Error).message}`], {
      cause: error,
    });
  }
  return { layout: parseLayoutJson(text, `layout file ${file}`), source: file };
}
