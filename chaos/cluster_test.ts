import assert from "node:assert/strict";
import { lineTime } from "./cluster.ts";

Deno.test("lineTime() prefers t=, then the ISO prefix, then the read time", () => {
  assert.equal(lineTime({ at: 5, text: "chaos ping token=x t=1795606783262" }), 1795606783262);
  assert.equal(
    lineTime({ at: 5, text: "2026-11-25T11:39:43.258Z info manager: node_up worker-2 id=z" }),
    Date.parse("2026-11-25T11:39:43.258Z"),
  );
  assert.equal(lineTime({ at: 5, text: "no time here" }), 5);
});
