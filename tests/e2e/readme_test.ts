/**
 * The README's TypeScript examples type-check as a user would write them, and the `deno compile`
 * line of its site example builds what `deno task compile` builds.
 *
 * Convention: every fenced block marked `ts` or `typescript` is checked as a file at the root of
 * the repository (its `./` imports point there). A block that is a fragment and cannot stand alone
 * is marked `ts ignore`; the test counts those and names them when it fails.
 */
import assert from "node:assert/strict";
import { parseLayout } from "../../lib/layout/parse_layout.ts";

const ROOT = new URL("../../", import.meta.url);

/** One fenced TypeScript block of the README. */
interface Block {
  /** Line of the opening fence, 1-based. */
  readonly line: number;
  /** Words after the language, e.g. `["ignore"]`. */
  readonly flags: readonly string[];
  readonly code: string;
}

/** Every fenced block whose language is `ts` or `typescript` (or one of `langs`). */
function fencedBlocks(markdown: string, langs = ["ts", "typescript"]): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (line.trimStart().startsWith(fence!) && line.trim() === fence) break;
      body.push(line.startsWith(indent!) ? line.slice(indent!.length) : line);
    }
    if (langs.includes(lang!)) {
      blocks.push({
        line: i + 1,
        flags: rest!.split(/\s+/).filter(Boolean),
        code: body.join("\n"),
      });
    }
    i = j;
  }
  return blocks;
}

/** Points the block's relative imports at the repository root, where the README means them. */
function rootedImports(code: string): string {
  return code.replace(
    /(from\s+|import\s*\(\s*|import\s+)(["'])(\.{1,2}\/[^"']+)\2/g,
    (_, head, quote, path) => `${head}${quote}${new URL(path, ROOT).href}${quote}`,
  );
}

const README = await Deno.readTextFile(new URL("README.md", ROOT));

Deno.test("fencedBlocks() finds fenced blocks, their flags and their lines", () => {
  const md = "x\n```ts\nconst a = 1;\n```\n\n```sh\nls\n```\n~~~typescript ignore\nlet b;\n~~~\n";
  assert.deepEqual(fencedBlocks(md), [
    { line: 2, flags: [], code: "const a = 1;" },
    { line: 9, flags: ["ignore"], code: "let b;" },
  ]);
  assert.equal(
    rootedImports(`import { a } from "./mod.ts";`),
    `import { a } from "${new URL("mod.ts", ROOT).href}";`,
  );
});

Deno.test("every TypeScript block of the README type-checks with deno check", async () => {
  const blocks = fencedBlocks(README);
  const checked = blocks.filter((b) => !b.flags.includes("ignore"));
  assert.ok(checked.length >= 2, `expected the layout and site examples, found ${checked.length}`);
  const dir = await Deno.makeTempDir({ prefix: "zcluster-readme-" });
  try {
    const files = checked.map((b) => `${dir}/readme_line_${b.line}.ts`);
    for (const [i, b] of checked.entries()) {
      await Deno.writeTextFile(files[i]!, rootedImports(b.code));
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", "--config", new URL("deno.json", ROOT).pathname, ...files],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    const ignored = blocks.filter((b) => b.flags.includes("ignore")).map((b) => b.line);
    assert.equal(
      out.code,
      0,
      `README.md blocks (file readme_line_N.ts = the block opening on line N; not checked: ${
        ignored.join(", ") || "none"
      }):\n${text}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the README's deno compile line builds as deno task compile does", async () => {
  const task: string = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).tasks
    .compile;
  const site = fencedBlocks(README).find((b) => b.code.includes("runMain("));
  assert.ok(site, "the site example");
  const entry = /^\/\/ (\S+\.ts)\b/.exec(site.code)?.[1];
  const line = /^\/\/ (deno compile .*)$/m.exec(site.code)?.[1];
  assert.ok(entry && line, `no "// FILE.ts" and "// deno compile ..." comment:\n${site.code}`);
  /** Flags of a compile command without its output and entry point. */
  const flags = (command: string, main: string) => {
    const words = command.split(/\s+/);
    const out: string[] = [];
    for (let i = 2; i < words.length; i++) {
      if (words[i] === "--output" || words[i] === "-o") i++;
      else if (words[i] !== main) out.push(words[i]!);
    }
    return out;
  };
  assert.equal(line.split(/\s+/).at(-1), entry, "the line compiles the file the comment names");
  assert.deepEqual(flags(line, entry), flags(task, "main.ts"));
});

Deno.test("every JSON layout of the README is a valid layout", () => {
  const layouts = fencedBlocks(README, ["json"]).filter((b) => b.code.includes('"nodeType"'));
  assert.ok(layouts.length >= 1);
  for (const b of layouts) {
    assert.doesNotThrow(() => parseLayout(JSON.parse(b.code)), `README.md line ${b.line}`);
  }
});
