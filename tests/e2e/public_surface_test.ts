/**
 * `mod.ts` is the curated surface site code imports: it names its exports, keeps the internals
 * out (they are in `internal_mod.ts`), passes `deno doc --lint`, and gives every function and
 * class an `@example` that `deno check --doc-only` type-checks (`deno task doc` checks that the
 * blocks compile; this test checks that they are there and not marked `ignore`).
 */
import assert from "node:assert/strict";
import { exportedSymbols, hasCheckedBlock, missingExamples } from "../../tools/doc_examples.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test("hasCheckedBlock() accepts a ts block and skips ignored and foreign ones", () => {
  assert.equal(hasCheckedBlock("```ts\nx();\n```"), true);
  assert.equal(hasCheckedBlock("```\nx();\n```"), true);
  assert.equal(hasCheckedBlock("```ts ignore\nx();\n```"), false);
  assert.equal(hasCheckedBlock("```sh\nzcluster start\n```"), false);
  assert.equal(hasCheckedBlock("```ts ignore\nx();\n```\n```ts\ny();\n```"), true);
  assert.equal(hasCheckedBlock("no code at all"), false);
});

Deno.test("mod.ts names every export and keeps the internals in internal_mod.ts", async () => {
  const source = await Deno.readTextFile(new URL("mod.ts", ROOT));
  assert.doesNotMatch(source, /export \*/, "mod.ts re-exports with export *");
  const publicNames = new Set((await exportedSymbols("mod.ts")).map((s) => s.name));
  const internalNames = new Set((await exportedSymbols("internal_mod.ts")).map((s) => s.name));
  for (const name of ["ZmqReactor", "OnloopQueue", "SqliteCommitThread", "encodeBinV1"]) {
    assert.ok(!publicNames.has(name), `${name} is in mod.ts`);
    assert.ok(internalNames.has(name), `${name} is not in internal_mod.ts`);
  }
  for (const name of publicNames) assert.ok(internalNames.has(name), `${name} only in mod.ts`);
  for (const name of ["createNode", "Cluster", "LogService", "Transport", "count", "parseLayout"]) {
    assert.ok(publicNames.has(name), `mod.ts lacks ${name}`);
  }
});

Deno.test("deno doc --lint mod.ts reports no problem", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", "mod.ts"],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
});

Deno.test("every function and class of mod.ts has an @example that is type-checked", async () => {
  assert.deepEqual(await missingExamples("mod.ts"), []);
});
