import assert from "node:assert/strict";
import { countRecords, missingRanges } from "./r4_logger_kill.ts";

Deno.test("missingRanges() lists runs of missing sequence numbers", () => {
  assert.deepEqual(missingRanges(new Set([0, 1, 4, 5, 7]), 9), ["2-3", "6", "8"]);
  assert.deepEqual(missingRanges(new Set([0, 1, 2]), 3), []);
});

Deno.test("countRecords() counts unique records and duplicates across files, skipping torn lines", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rec = (node: string, seq: number) => JSON.stringify({ ts: 1, node, seq });
    await Deno.writeTextFile(
      `${dir}/chaos.log`,
      [rec("w1", 0), rec("w1", 1), rec("w2", 0)].join("\n") + "\n",
    );
    await Deno.writeTextFile(
      `${dir}/chaos.2026-01-01-00-00-00.log`,
      [rec("w1", 1), '{"node":"w1","se'].join("\n"),
    );
    await Deno.writeTextFile(`${dir}/other.log`, rec("w1", 9) + "\n");
    const c = await countRecords([dir]);
    assert.equal(c.get("w1")?.unique, 2);
    assert.equal(c.get("w1")?.dups, 1);
    assert.equal(c.get("w2")?.unique, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
