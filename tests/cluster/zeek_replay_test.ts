/**
 * Replays real Zeek 8.2.2 log batches (`testdata/zeek-8.2.2/zeek-logs/<trace>/batches.jsonl`: the
 * frames as a Zeek logger's PULL socket received them from a manager, a proxy and a worker) over
 * a real ZeroMQ PUSH socket into two real zcluster logger processes, one writing ASCII and one
 * JSON, stops them with SIGTERM, and compares every file byte for byte with what a real Zeek
 * 8.2.2 logger wrote from the same frames. Only the times in the `#open` and `#close` lines are
 * masked (wall clock). Set and vector elements are compared in their written order: Zeek's logger
 * writes them in batch order, which did not vary between replays (the data's README), so no
 * normalisation is needed and none is done.
 */
import assert from "node:assert/strict";
import { startCluster, type TestCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";
import { createZeromqTransport } from "../../lib/transport/zeromq/mod.ts";

const DATA = new URL("../../testdata/zeek-8.2.2/zeek-logs/", import.meta.url).pathname;
const SITE = new URL("./_replay_site.ts", import.meta.url).pathname;
const FORMATS = ["ascii", "json"] as const;

interface Frame {
  readonly sender: string;
  readonly format: string;
  readonly batch: Uint8Array;
  readonly path: string;
  readonly records: number;
}

function base64Bytes(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function readFrames(trace: string): Promise<Frame[]> {
  const text = await Deno.readTextFile(`${DATA}${trace}/batches.jsonl`);
  return text.split("\n").filter((l) => l !== "").map((line) => {
    const o = JSON.parse(line) as { frames: string[]; path: string; records: number };
    assert.equal(o.frames[0], "log-write");
    return {
      sender: o.frames[1]!,
      format: o.frames[2]!,
      batch: base64Bytes(o.frames[3]!),
      path: o.path,
      records: o.records,
    };
  });
}

/**
 * A file with the times of its `#open`/`#close` lines masked (the wall clock at open and close):
 * the lines themselves must still be where Zeek writes them.
 */
function comparable(text: string): string {
  return text.replace(/^#(open|close)\t\d{4}(-\d\d){5}$/gm, "#$1\t<time>");
}

/** The number of data lines (records) in a log file, 0 when it is missing. */
async function recordLines(file: string): Promise<number> {
  try {
    const text = await Deno.readTextFile(file);
    return text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

async function namesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.isFile) out.push(e.name);
  return out.sort();
}

/** Records per path in a trace's batches. */
function recordsPerPath(frames: readonly Frame[]): Map<string, number> {
  const perPath = new Map<string, number>();
  for (const f of frames) perPath.set(f.path, (perPath.get(f.path) ?? 0) + f.records);
  return perPath;
}

/**
 * Starts the test cluster of the replay loggers. The layout needs a manager; it is never started,
 * so the loggers are in no running cluster (as the Zeek logger that wrote the JSON files) and
 * receive nothing but the replayed batches.
 */
function startLoggers(loggers: readonly string[]): Promise<TestCluster> {
  return startCluster({
    nodes: { manager: "MANAGER", ...Object.fromEntries(loggers.map((l) => [l, "LOGGER"])) },
    entry: SITE,
    deferred: ["manager", ...loggers],
    args: ["--set", "rotationIntervalMs=0"],
  });
}

/**
 * Starts logger `node` writing to `dir` with `args`, sends it every frame over a PUSH socket (not
 * in the cluster: its proxy endpoints are unused ports, as the recorder that fed Zeek's JSON
 * logger), waits for every record on disk and stops the logger with SIGTERM.
 */
async function replay(
  cluster: TestCluster,
  node: string,
  dir: string,
  args: readonly string[],
  frames: readonly Frame[],
): Promise<void> {
  cluster.nodeArgsOverride(node, ["--log-dir", dir, ...args]);
  cluster.start(node);
  await cluster.waitForLine(node, /node logger-\w+ up/);
  const endpoint = `tcp://127.0.0.1:${cluster.layout[node]!.p}`;
  const handlers = { onMessage() {}, onSubscription() {}, onLog() {}, onError() {} };
  {
    await using push = await createZeromqTransport(handlers, {
      connectXsubEndpoint: cluster.proxyXpub,
      connectXpubEndpoint: cluster.proxyXsub,
      connectLogEndpoints: [endpoint],
    });
    for (const f of frames) assert.ok(push.sendLog(f.sender, f.format, f.batch), "batch dropped");
    await waitFor(
      async () => {
        for (const [path, n] of recordsPerPath(frames)) {
          if (await recordLines(`${dir}/${path}.log`) < n) return false;
        }
        return true;
      },
      30_000,
      `${node} has every record`,
    );
  }
  const status = await cluster.stop(node, "SIGTERM");
  assert.equal(status.code, 0, `${node} exit code`);
}

const TRACES = [...Deno.readDirSync(DATA)].filter((e) => e.isDirectory).map((e) => e.name).sort();

for (const trace of TRACES) {
  Deno.test(`Zeek 8.2.2 batches of ${trace} give Zeek's ASCII and JSON files, byte for byte`, async () => {
    const frames = await readFrames(trace);
    await using cluster = await startLoggers(["logger-ascii", "logger-json"]);
    const dirs = { ascii: `${cluster.logDir}/ascii`, json: `${cluster.logDir}/json` };
    for (const format of FORMATS) {
      await replay(cluster, `logger-${format}`, dirs[format], ["--log-format", format], frames);
    }
    for (const format of FORMATS) {
      const want = await namesIn(`${DATA}${trace}/${format}`);
      const got = (await namesIn(dirs[format])).filter((n) => n.endsWith(".log"));
      assert.deepEqual(got, want, `${format}: the same files`);
      for (const name of want) {
        const expected = comparable(await Deno.readTextFile(`${DATA}${trace}/${format}/${name}`));
        const actual = comparable(await Deno.readTextFile(`${dirs[format]}/${name}`));
        if (actual === expected) continue;
        const a = actual.split("\n");
        const e = expected.split("\n");
        const line = e.findIndex((l, i) => l !== a[i]);
        assert.equal(a[line], e[line], `${format}/${name} line ${line + 1} differs`);
        assert.equal(actual, expected, `${format}/${name}`);
      }
    }
  });
}

Deno.test("logJsonTimestamps and logJsonIncludeUnsetFields reach a logger's JSON files", async () => {
  const trace = "socks";
  const frames = await readFrames(trace);
  await using cluster = await startLoggers(["logger-iso"]);
  const dir = `${cluster.logDir}/iso`;
  const args = [
    "--log-format",
    "json",
    "--set",
    "logJsonTimestamps=iso8601",
    "--set",
    "logJsonIncludeUnsetFields=true",
  ];
  await replay(cluster, "logger-iso", dir, args, frames);
  const zeekJson = (await Deno.readTextFile(`${DATA}${trace}/json/conn.log`)).trim().split("\n");
  const fields = (await Deno.readTextFile(`${DATA}${trace}/ascii/conn.log`)).split("\n")
    .find((l) => l.startsWith("#fields\t"))!.split("\t").slice(1);
  const lines = (await Deno.readTextFile(`${dir}/conn.log`)).trim().split("\n");
  assert.equal(lines.length, zeekJson.length);
  lines.forEach((line, i) => {
    const got = JSON.parse(line) as Record<string, unknown>;
    const zeek = JSON.parse(zeekJson[i]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(got), fields, "every field, unset ones as null");
    const ts = got.ts as string;
    assert.match(ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.ok(Math.abs(Date.parse(ts) / 1000 - (zeek.ts as number)) < 0.001, `${ts} vs ${zeek.ts}`);
    for (const [k, v] of Object.entries(got)) {
      if (k !== "ts") assert.deepEqual(v, zeek[k] ?? null, `${k} of line ${i + 1}`);
    }
  });
});
