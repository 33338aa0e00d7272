import assert from "node:assert/strict";
import { machineCpu, machineShares, parseProcStat, processCpuMs } from "./_process.ts";

Deno.test("parseProcStat() reads the cpu line: idle with iowait, steal, and the total", () => {
  const text = "cpu  100 5 50 800 20 1 4 20 7 0\ncpu0 50 2 25 400 10 0 2 10 3 0\nintr 1\n";
  // user nice system idle iowait irq softirq steal [guest guest_nice: already in user]
  assert.deepEqual(parseProcStat(text), { total: 1000, idle: 820, steal: 20 });
  // An older kernel's shorter line: no steal column.
  assert.deepEqual(parseProcStat("cpu 1 2 3 4 5\n"), { total: 15, idle: 9, steal: 0 });
  assert.equal(parseProcStat("intr 1 2\n"), undefined);
  assert.equal(parseProcStat("cpu 1 x 3 4 5\n"), undefined);
});

Deno.test("machineShares() gives idle and steal as percentages of the ticks between readings", () => {
  const before = { total: 1000, idle: 500, steal: 10 };
  const after = { total: 1200, idle: 530, steal: 38 };
  assert.deepEqual(machineShares(before, after), { idlePct: 15, stealPct: 14 });
  assert.equal(machineShares(before, before), undefined); // no ticks between them
  assert.equal(machineShares(undefined, after), undefined);
});

Deno.test({
  name: "machineCpu() and processCpuMs() read this Linux machine's /proc",
  ignore: Deno.build.os !== "linux",
  fn() {
    const before = machineCpu();
    assert.ok(before !== undefined && before.total > 0 && before.idle <= before.total);
    const mine = processCpuMs(Deno.pid);
    assert.ok(mine !== undefined && mine >= 0);
    assert.equal(processCpuMs(2 ** 22 + 1), undefined); // above pid_max: no such process
    const after = machineCpu()!;
    assert.ok(after.total >= before.total && after.steal >= before.steal);
  },
});
