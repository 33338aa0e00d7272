import assert from "node:assert/strict";
import {
  archiveTime,
  isValidLogPath,
  nextRotationTime,
  recoverLeftovers,
  rotatedName,
  shadowName,
} from "./rotation.ts";
import { formatLogTimestamp, parseLogTimestamp } from "./formatter.ts";

/** Local midnight of the day holding `t`, in epoch seconds. */
function localMidnight(t: number): number {
  const d = new Date(t * 1000);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() / 1000;
}

Deno.test("nextRotationTime() gives the next wall-clock multiple from local midnight", () => {
  const mid = localMidnight(1795602268);
  assert.equal(nextRotationTime(mid + 3600 * 10 + 28.5, 5), mid + 3600 * 10 + 30);
  assert.equal(nextRotationTime(mid + 3600 * 10 + 30, 5), mid + 3600 * 10 + 35);
  assert.equal(nextRotationTime(mid + 3600 * 10 + 1, 3600), mid + 3600 * 11);
  assert.equal(nextRotationTime(mid + 60, 3600, 1800), mid + 1800);
});

Deno.test("rotatedName() and archiveTime() use Zeek's local-time patterns", () => {
  const t = new Date(2026, 10, 25, 10, 24, 28).getTime() / 1000;
  assert.equal(rotatedName("cluster", t + 0.9), "cluster.2026-11-25-10-24-28.log");
  assert.equal(archiveTime(t), "26-11-25_10.24.28");
  assert.equal(formatLogTimestamp(t), "2026-11-25-10-24-28");
  assert.equal(parseLogTimestamp("2026-11-25-10-24-28"), t);
  assert.equal(parseLogTimestamp("2026-11-25 10:24:28"), undefined);
  assert.equal(shadowName("conn.log"), ".shadow.conn.log");
});

Deno.test("isValidLogPath() refuses paths that could leave the log directory", () => {
  for (const ok of ["conn", "dns", "x509", "conn-summary", "loaded_scripts"]) {
    assert.ok(isValidLogPath(ok), ok);
  }
  for (
    const bad of [
      "",
      "../etc/passwd",
      "a/b",
      ".hidden",
      "a.b",
      "a\u0000",
      "-",
      "a b",
      "x".repeat(201),
    ]
  ) {
    assert.ok(!isValidLogPath(bad), bad);
  }
});

Deno.test("recoverLeftovers() rotates marked and ASCII-headed current files and nothing else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const open = new Date(2026, 10, 25, 9, 0, 0).getTime() / 1000;
    await Deno.writeTextFile(`${dir}/conn.log`, '{"ts":1}\n');
    await Deno.writeTextFile(
      `${dir}/.shadow.conn.log`,
      JSON.stringify({ periodStart: open }) + "\n",
    );
    await Deno.writeTextFile(
      `${dir}/dns.log`,
      `#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#open\t2026-11-25-08-00-00\n#fields\tts\n#types\ttime\n1.000000\n`,
    );
    await Deno.writeTextFile(`${dir}/notes.log`, "not a zeek log\n");
    await Deno.writeTextFile(`${dir}/http.2026-11-25-07-00-00.log`, "#separator \\x09\n");
    await Deno.writeTextFile(`${dir}/.shadow.gone.log`, "{}\n");
    const recovered = await recoverLeftovers(dir, open + 100);
    assert.deepEqual(recovered.map((r) => r.rotated), [
      "conn.2026-11-25-09-00-00.log",
      "dns.2026-11-25-08-00-00.log",
    ]);
    assert.deepEqual(recovered[0]!.call.argv.slice(0, 3), [
      "conn.2026-11-25-09-00-00.log",
      "conn",
      "26-11-25_09.00.00",
    ]);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names.sort(), [
      "conn.2026-11-25-09-00-00.log",
      "dns.2026-11-25-08-00-00.log",
      "http.2026-11-25-07-00-00.log",
      "notes.log",
    ]);
    assert.equal(await Deno.readTextFile(`${dir}/conn.2026-11-25-09-00-00.log`), '{"ts":1}\n');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("recoverLeftovers() never overwrites an existing rotated file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const open = new Date(2026, 10, 25, 9, 0, 0).getTime() / 1000;
    await Deno.writeTextFile(`${dir}/conn.2026-11-25-09-00-00.log`, "old\n");
    await Deno.writeTextFile(`${dir}/conn.log`, "new\n");
    await Deno.writeTextFile(`${dir}/.shadow.conn.log`, JSON.stringify({ periodStart: open }));
    const [r] = await recoverLeftovers(dir, open);
    assert.equal(r!.rotated, "conn.2026-11-25-09-00-00-1.log");
    assert.equal(await Deno.readTextFile(`${dir}/conn.2026-11-25-09-00-00.log`), "old\n");
    assert.equal(await Deno.readTextFile(`${dir}/conn.2026-11-25-09-00-00-1.log`), "new\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
