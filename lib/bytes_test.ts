import assert from "node:assert/strict";
import { bytesEqualAt } from "./bytes.ts";

Deno.test("bytesEqualAt() compares a range with the wanted bytes, lengths first", () => {
  const src = new Uint8Array([9, 1, 2, 3]);
  assert.equal(bytesEqualAt(src, 1, 3, new Uint8Array([1, 2])), true);
  assert.equal(bytesEqualAt(src, 1, 4, new Uint8Array([1, 2])), false, "longer range");
  assert.equal(bytesEqualAt(src, 1, 3, new Uint8Array([1, 3])), false, "last byte differs");
  assert.equal(bytesEqualAt(src, 0, 2, new Uint8Array([8, 1])), false, "first byte differs");
  assert.equal(bytesEqualAt(src, 2, 2, new Uint8Array(0)), true, "empty ranges are equal");
});
