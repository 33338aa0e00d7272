/**
 * Two `zcluster start` in the same folder: the second is refused (exit 2, naming the log directory
 * and the pid of the logger that holds it) before it touches a file, and the first cluster's logs
 * are intact.
 *
 * @module
 */
import assert from "node:assert/strict";
import { fiveNodeLayout, freePorts, MAIN, waitFor } from "../_fixtures.ts";

/** A `zcluster start` run in `cwd` (logs in the default `./logs`), its output kept. */
function spawnStart(cwd: string, proxyPorts: readonly number[]) {
  const proc = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "start",
      "--layout",
      `${cwd}/layout.json`,
      "--proxy-xpub",
      `tcp://127.0.0.1:${proxyPorts[0]}`,
      "--proxy-xsub",
      `tcp://127.0.0.1:${proxyPorts[1]}`,
    ],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const dec = new TextDecoder();
  const collect = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) lines.push(...dec.decode(c).split("\n"));
  };
  const output = Promise.all([collect(proc.stdout), collect(proc.stderr)]);
  return { proc, lines, output };
}

async function logNames(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

Deno.test("a second zcluster start in the same folder exits 2 naming the lock holder; the first cluster's logs stay intact", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "zcluster-second-start-" });
  const ports = freePorts(7);
  await Deno.writeTextFile(`${cwd}/layout.json`, JSON.stringify(fiveNodeLayout(ports, false)));
  try {
    await twoStarts(cwd, ports);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

async function twoStarts(cwd: string, ports: readonly number[]): Promise<void> {
  const logs = `${cwd}/logs`;
  const first = spawnStart(cwd, ports.slice(5));
  try {
    await waitFor(
      () => first.lines.filter((l) => /info \S+: node_up /.test(l)).length >= 20,
      30_000,
      () => `the first cluster up:\n${first.lines.join("\n")}`,
    );
    await waitFor(
      async () => (await Deno.readTextFile(`${logs}/cluster.log`).catch(() => "")).length > 0,
      10_000,
      "cluster.log on disk",
    );
    const before = await Deno.stat(`${logs}/cluster.log`);
    const holder = Number((await Deno.readTextFile(`${logs}/.zcluster.lock`)).trim());
    const cmdline = await Deno.readTextFile(`/proc/${holder}/cmdline`);
    assert.match(cmdline, /--node\0logger-1/, "the first cluster's logger holds the lock");

    const second = spawnStart(cwd, ports.slice(5));
    const status = await second.proc.status;
    await second.output;
    const said = second.lines.join("\n");
    assert.equal(status.code, 2, said);
    assert.match(said, new RegExp(`log directory "\\./logs": process ${holder} holds its lock`));
    assert.doesNotMatch(said, /started \d+ nodes/, "the second start starts no node");

    // The first cluster's files: the same cluster.log, not rotated, not closed, still written.
    const after = await Deno.stat(`${logs}/cluster.log`);
    assert.equal(after.ino, before.ino);
    assert.deepEqual(await logNames(logs), [
      ".shadow.cluster.log",
      ".zcluster-log-batches",
      ".zcluster.lock",
      "cluster.log",
    ]);
    assert.doesNotMatch(await Deno.readTextFile(`${logs}/cluster.log`), /^#close/m);
    assert.ok(!first.lines.some((l) => /rotated leftover/.test(l)), first.lines.join("\n"));
  } finally {
    first.proc.kill("SIGINT");
  }
  const status = await first.proc.status;
  await first.output;
  const said = first.lines.join("\n");
  assert.equal(status.code, 0, said);
  // Before the lock: "log writer: ... cluster.log ... No such file" at shutdown (its file was gone).
  assert.doesNotMatch(said, /log writer:/, "no log writer warning at the first cluster's shutdown");
  const left = (await logNames(logs)).filter((n) => n !== ".zcluster-log-batches");
  assert.equal(left.length, 1, `only the rotated cluster log is left: ${left}`);
  assert.match(left[0]!, /^cluster\.\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.log$/);
  const text = await Deno.readTextFile(`${logs}/${left[0]}`);
  assert.equal(text.match(/^#close/gm)?.length, 1, "#close once, at its own shutdown");
  assert.match(text, /#close\t\S+\n$/);
}
