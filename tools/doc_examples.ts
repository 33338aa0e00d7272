/**
 * Checks that every function and class `mod.ts` exports has an `@example` whose code block is
 * type-checked: a fenced `ts` block that is not marked `ignore` (`deno check --doc-only` skips
 * those). Prints the symbols that fail, with their files, and exits 1 when there is one.
 * `deno check --doc-only mod.ts lib/` then type-checks the blocks themselves; both run in
 * `deno task doc`.
 *
 * Run: `npx -y deno@2.9.6 run --allow-read --allow-run tools/doc_examples.ts [module]`
 *
 * @module
 */

/** The repository root; module paths are relative to it. */
const ROOT = new URL("../", import.meta.url);

/** A doc node of `deno doc --json`, as far as this tool reads it. */
export interface DocSymbol {
  readonly name: string;
  readonly declarations: readonly {
    readonly kind: string;
    readonly location: { readonly filename: string; readonly line: number };
    readonly jsDoc?: { readonly tags?: readonly { kind: string; doc?: string }[] };
  }[];
}

/** A fenced code block the doc checker type-checks: `ts`, `typescript`, `js` or no language. */
const CHECKED_BLOCK = /```(ts|typescript|tsx|js|javascript)?(?:[ \t]+([^\n]*))?\n/g;

/** Whether an `@example` body has at least one code block `deno check --doc` checks. */
export function hasCheckedBlock(example: string): boolean {
  let open = true;
  for (const match of example.matchAll(CHECKED_BLOCK)) {
    // Fences alternate: an opening fence, then its closing one.
    if (open && !/\bignore\b/.test(match[2] ?? "")) return true;
    open = !open;
  }
  return false;
}

/** What `deno doc --json` says a module exports (`module` relative to the repository root). */
export async function exportedSymbols(module: string): Promise<DocSymbol[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", module],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1" },
  }).output();
  if (!out.success) throw new Error(`Cannot list the exports of ${module}: deno doc --json failed`);
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  return doc.nodes[new URL(module, ROOT).href].symbols;
}

/** The functions and classes a module exports that lack a checked `@example`. */
export async function missingExamples(module: string): Promise<string[]> {
  const symbols = await exportedSymbols(module);
  const missing: string[] = [];
  for (const symbol of symbols) {
    const decls = symbol.declarations.filter((d) => d.kind === "function" || d.kind === "class");
    if (decls.length === 0) continue;
    const examples = decls.flatMap((d) => d.jsDoc?.tags ?? [])
      .filter((t) => t.kind === "example")
      .map((t) => t.doc ?? "");
    if (!examples.some(hasCheckedBlock)) {
      const at = decls[0]!.location;
      const file = at.filename.replace(ROOT.href, "");
      missing.push(`${symbol.name} (${decls[0]!.kind}, ${file}:${at.line})`);
    }
  }
  return missing;
}

if (import.meta.main) {
  const module = Deno.args[0] ?? "mod.ts";
  const missing = await missingExamples(module);
  if (missing.length > 0) {
    console.error(
      `${missing.length} exported functions and classes of ${module} have no type-checked ` +
        `@example (a fenced ts block not marked ignore):\n  ${missing.join("\n  ")}`,
    );
    Deno.exit(1);
  }
  console.log(`Every exported function and class of ${module} has a type-checked @example`);
}
