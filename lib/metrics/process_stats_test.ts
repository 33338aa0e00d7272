import assert from "node:assert/strict";
import { parseProcStat, parseStatusKb, processStatsReader } from "./process_stats.ts";

Deno.test("parseProcStat() counts fields after a command name with spaces and parentheses", () => {
  const line =
    "4242 (deno (main) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 812 97 0 0 20 0 9 0 33744 1274064896 19854 18446744073709551615";
  assert.deepEqual(parseProcStat(line), {
    utimeTicks: 812,
    stimeTicks: 97,
    startTicks: 33744,
    vsizeBytes: 1274064896,
  });
});

Deno.test("parseProcStat() rejects a truncated line", () => {
  assert.throws(() => parseProcStat("1 (x) S 1 2"), SyntaxError);
  assert.throws(() => parseProcStat(""), SyntaxError);
});

Deno.test("parseStatusKb() reads kB fields in bytes", () => {
  const text = "Name:\tdeno\nVmSize:\t 3892 kB\nVmRSS:\t    2060 kB\n";
  assert.equal(parseStatusKb(text, "VmRSS"), 2060 * 1024);
  assert.equal(parseStatusKb(text, "VmSize"), 3892 * 1024);
  assert.equal(parseStatusKb(text, "VmSwap"), undefined);
});

Deno.test("processStatsReader() reads plausible values for this process", () => {
  const stats = processStatsReader()();
  assert.ok(stats.residentMemoryBytes > 1024 * 1024);
  assert.ok(stats.startTimeSeconds <= Date.now() / 1000 + 1);
  assert.ok(stats.startTimeSeconds > Date.now() / 1000 - 24 * 3600 * 365);
  if (Deno.build.os === "linux") {
    assert.ok(stats.openFds >= 3);
    assert.ok(stats.virtualMemoryBytes >= stats.residentMemoryBytes);
    assert.ok(stats.cpuUserSeconds + stats.cpuSystemSeconds >= 0);
  }
});
