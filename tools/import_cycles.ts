/**
 * Prints the import graph between the folders of `lib/` and every circle in it (folders that import
 * each other, directly or through others), then the same for the sub-folders of each folder in
 * {@link NESTED} (files directly in such a folder count as its "." room). Test files (`*_test.ts`) and `testdata/` are left out:
 * they may reach across layers. Exits 1 when there is a circle.
 *
 * Run: `npx -y deno@2.9.6 run --allow-read tools/import_cycles.ts [--graph]`
 *
 * @module
 */

const ROOT = new URL("../lib/", import.meta.url);
/** Folders of `lib/` whose sub-folders are checked too. */
const NESTED = ["logging"];
const IMPORT =
  /(?:import|export)\s[^;]*?\sfrom\s+["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)/g;

/** The folder of `root` a path belongs to ("." for files directly in root). */
function folderOf(root: URL, path: string): string {
  const rel = path.slice(root.pathname.length);
  const slash = rel.indexOf("/");
  return slash < 0 ? "." : rel.slice(0, slash);
}

function* sources(dir: URL): Generator<URL> {
  for (const entry of Deno.readDirSync(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory && entry.name !== "testdata") yield* sources(url);
    else if (entry.isFile && entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
      yield url;
    }
  }
}

/** Folder of `root` -> folders it imports, with one example edge each. */
function buildGraph(root: URL): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sources(root)) {
    const from = folderOf(root, file.pathname);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    const text = Deno.readTextFileSync(file);
    for (const match of text.matchAll(IMPORT)) {
      const spec = match[1] ?? match[2]!;
      if (!spec.startsWith(".")) continue;
      const target = new URL(spec, file);
      if (!target.pathname.startsWith(root.pathname)) continue;
      const to = folderOf(root, target.pathname);
      if (to !== from && !edges.has(to)) {
        edges.set(to, `${file.pathname.slice(root.pathname.length)} -> ${spec}`);
      }
    }
  }
  return graph;
}

/** Strongly connected components of more than one folder (Tarjan). */
function circles(graph: Map<string, Map<string, string>>): string[][] {
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], onStack = new Set<string>(), found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next), low.set(v, next), next++;
    stack.push(v), onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) visit(w), low.set(v, Math.min(low.get(v)!, low.get(w)!));
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do (w = stack.pop()!, onStack.delete(w), component.push(w)); while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Prints a graph (with `--graph`) and its circles; returns how many circles it has. */
function report(name: string, graph: Map<string, Map<string, string>>): number {
  if (Deno.args.includes("--graph")) {
    for (const [from, edges] of [...graph].sort()) {
      console.log(`${name}${from} -> ${[...edges.keys()].sort().join(", ") || "(nothing)"}`);
    }
  }
  const found = circles(graph);
  for (const component of found) {
    console.log(`circle: ${component.map((c) => name + c).join(", ")}`);
    for (const from of component) {
      for (const [to, example] of graph.get(from) ?? []) {
        if (component.includes(to)) console.log(`  ${name}${from} -> ${name}${to}  (${example})`);
      }
    }
  }
  console.log(
    found.length === 0
      ? `no import circles between ${name} folders`
      : `${found.length} circle(s) between ${name} folders`,
  );
  return found.length;
}

if (import.meta.main) {
  let found = report("lib/", buildGraph(ROOT));
  for (const folder of NESTED) {
    found += report(`lib/${folder}/`, buildGraph(new URL(`${folder}/`, ROOT)));
  }
  if (found > 0) Deno.exit(1);
}
