import assert from "node:assert/strict";
import { mib, ms, renderTable, row } from "./table.ts";

Deno.test("row() maps pass to PASS/FAIL", () => {
  assert.equal(row("R1", "t", "f", true).verdict, "PASS");
  assert.equal(row("R1", "t", "f", false).verdict, "FAIL");
});

Deno.test("renderTable() wraps long cells and keeps every line the same width", () => {
  const text = renderTable([
    row("R1", "a target", "x ".repeat(80).trim(), true),
    row("clean", "short", "y", false),
  ]);
  const lines = text.split("\n");
  assert.ok(lines.every((l) => l.length === lines[0]!.length), text);
  assert.ok(text.includes("FAIL") && text.includes("PASS"));
  assert.ok(lines.length > 7, "the long figure wraps onto several lines");
});

Deno.test("ms() and mib() format figures", () => {
  assert.equal(ms(12.4), "12 ms");
  assert.equal(ms(12_345), "12.3 s");
  assert.equal(ms(Infinity), "never");
  assert.equal(mib(3 * 1024 * 1024), "3.0 MiB");
});
