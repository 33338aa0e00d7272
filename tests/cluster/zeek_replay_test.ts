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
import { startCluster } from "../_cluster.ts";
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

const TRACES = [...Deno.readDirSync(DATA)].filter((e) => e.isDirectory).map((e) => e.name).sort();

for (const trace of TRACES) {
  Deno.test(`Zeek 8.2.2 batches of ${trace} give Zeek's ASCII and JSON files, byte for byte`, async () => {
    const frames = await readFrames(trace);
    const perPath = new Map<string, number>();
    for (const f of frames) perPath.set(f.path, (perPath.get(f.path) ?? 0) + f.records);

    await using cluster = await startCluster({
      // The layout needs a manager; it is never started, so the loggers are in no running
      // cluster (as the Zeek logger that wrote the JSON files) and receive nothing else.
      nodes: { manager: "MANAGER", "logger-ascii": "LOGGER", "logger-json": "LOGGER" },
      entry: SITE,
      deferred: ["manager", "logger-ascii", "logger-json"],
      args: ["--set", "rotationIntervalMs=0"],
    });
    const dirs = { ascii: `${cluster.logDir}/ascii`, json: `${cluster.logDir}/json` };
    for (const format of FORMATS) {
      const node = `logger-${format}`;
      cluster.nodeArgsOverride(node, ["--log-dir", dirs[format], "--log-format", format]);
      cluster.start(node);
      await cluster.waitForLine(node, /node logger-\w+ up/);
    }
    for (const format of FORMATS) {
      const endpoint = `tcp://127.0.0.1:${cluster.layout[`logger-${format}`]!.p}`;
      const handlers = { onMessage() {}, onSubscription() {}, onLog() {}, onError() {} };
      // Not in the loggers' cluster (its proxy endpoints are unused ports): only a PUSH socket,
      // as the recorder that fed Zeek's JSON logger.
      await using push = await createZeromqTransport(handlers, {
        connectXsubEndpoint: cluster.proxyXpub,
        connectXpubEndpoint: cluster.proxyXsub,
        connectLogEndpoints: [endpoint],
      });
      for (const f of frames) {
        assert.ok(push.sendLog(f.sender, f.format, f.batch), `${trace}: a batch was dropped`);
      }
      await waitFor(
        async () => {
          for (const [path, n] of perPath) {
            if (await recordLines(`${dirs[format]}/${path}.log`) < n) return false;
          }
          return true;
        },
        30_000,
        `${format} logger has every record of ${trace}`,
      );
    }
    for (const format of FORMATS) {
      const status = await cluster.stop(`logger-${format}`, "SIGTERM");
      assert.equal(status.code, 0, `logger-${format} exit code`);
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
