import assert from "node:assert/strict";
import { median } from "./r3_worker_kill.ts";

Deno.test("median() ignores values that never arrived", () => {
  assert.equal(median([3, 1, Infinity, 2]), 2);
  assert.equal(median([]), Infinity);
});
