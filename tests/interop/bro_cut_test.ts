/**
 * Interop with Zeek's own log tooling: `bro-cut` (Debian package `bro-aux`) reads the ASCII logs a
 * real zcluster LOGGER process wrote, column by column, and reads zcluster's `types.log` exactly as
 * it reads the `types.log` a real Zeek 8.2.2 logger wrote (`shared/vectors/logger-ascii/`).
 */
import assert from "node:assert/strict";
import { count } from "../../lib/serialization/mod.ts";
import { startCluster, type TestCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";
import { startTester } from "../_tester.ts";

const SITE = new URL("../cluster/_log_site2.ts", import.meta.url).pathname;
const VECTORS = new URL("../../testdata/zeek-8.2.2/", import.meta.url).pathname;
const NODES = { manager: "MANAGER", "logger-1": "LOGGER", "worker-1": "WORKER", tester: "CONTROL" };

/** Fails with the package to install when `bro-cut` is not on PATH. */
async function requireBroCut(): Promise<void> {
  try {
    await new Deno.Command("bro-cut", { args: ["-h"], stdout: "null", stderr: "null" }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        "bro-cut is not installed: install the Debian package bro-aux (apt-get install -y bro-aux)",
      );
    }
    throw error;
  }
}

/** Runs `bro-cut args` with a file on stdin; returns its output lines. */
async function broCut(file: string, args: string[]): Promise<string[]> {
  await requireBroCut();
  const proc = new Deno.Command("bro-cut", {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = proc.stdin.getWriter();
  await writer.write(await Deno.readFile(file));
  await writer.close();
  const out = await proc.output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `bro-cut ${args.join(" ")} < ${file}: ${stderr}`);
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "");
}

/** bro-cut rows (tab-split) keyed by their first column. */
async function rowsBy(file: string, columns: string[]): Promise<Map<string, string[]>> {
  const rows = (await broCut(file, columns)).map((l) => l.split("\t"));
  return new Map(rows.map((r) => [r[0]!, r]));
}

/** A set column compared as a set (Zeek writes set elements in hash order). */
function asSet(field: string): string[] {
  return field === "(empty)" || field === "-" ? [field] : field.split(",").sort();
}

/** Runs a logger that writes `more` (20 records) and `types`, then stops it with SIGTERM. */
async function writeLogs(cluster: TestCluster): Promise<void> {
  await cluster.waitForFullMesh(["manager", "logger-1", "worker-1"]);
  {
    await using tester = await startTester(cluster);
    await waitFor(
      () => tester.cluster.upNodes().includes("worker-1"),
      20_000,
      "tester sees worker-1",
    );
    tester.cluster.publish("zeek.cluster.worker", "More::write", count(20));
    tester.cluster.publish("zeek.cluster.worker", "LogTypes::write");
    await cluster.waitForLine("worker-1", /wrote 20 records/, 30_000);
    await cluster.waitForLine("worker-1", /wrote types/, 30_000);
  }
  const data = async (name: string) =>
    (await Deno.readTextFile(`${cluster.logDir}/${name}`).catch(() => ""))
      .split("\n").filter((l) => l !== "" && !l.startsWith("#")).length;
  await waitFor(
    async () => (await data("more.log")) === 20 && (await data("types.log")) === 9,
    30_000,
    "logger-1 wrote more.log (20) and types.log (9)",
  );
  const status = await cluster.stop("logger-1", "SIGTERM");
  assert.equal(status.code, 0, "logger-1 exits 0 on SIGTERM");
}

Deno.test("bro-cut reads a zcluster logger's ASCII logs, and its types.log as Zeek's own", async () => {
  await requireBroCut();
  await using cluster = await startCluster({
    nodes: NODES,
    entry: SITE,
    deferred: ["tester"],
    nodeArgs: { "logger-1": ["--rotate", "0"] },
  });
  await writeLogs(cluster);
  const more = `${cluster.logDir}/more.log`;
  const text = await Deno.readTextFile(more);
  assert.match(text, /\n#close\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\n$/, "closed at shutdown");

  // Every record, and the values of the interesting ones.
  const columns = ["seq", "s", "tags", "vals", "names", "opt", "inner.name", "p", "e", "b"];
  const rows = await rowsBy(more, columns);
  assert.equal(rows.size, 20);
  const expected: Record<string, string[]> = {
    //   s                tags          vals    names                            opt   inner  p     e            b
    "0": ["plain 0", "(empty)", "(empty)", "(empty)", "o0", "in-0", "1000", "Test::EVEN", "T"],
    "1": [
      "tab\\x09here 1",
      "a\\x2cb,t1",
      "1,2",
      "n\\x091,\\x28empty),(empty)",
      "-",
      "in-1",
      "1001",
      "Test::ODD",
      "F",
    ],
    "2": [
      "(empty)",
      "x",
      "2,4",
      "n\\x091,\\x28empty),(empty)",
      "o2",
      "in-2",
      "1002",
      "Test::EVEN",
      "T",
    ],
    "3": [
      "\\x2d",
      "(empty)",
      "3,6",
      "n\\x091,\\x28empty),(empty)",
      "-",
      "in-3",
      "1003",
      "Test::ODD",
      "F",
    ],
    "4": ["comma,4", "a\\x2cb,t4", "(empty)", "(empty)", "o4", "in-4", "1004", "Test::EVEN", "T"],
  };
  for (const [seq, want] of Object.entries(expected)) {
    const got = rows.get(seq);
    assert.ok(got, `bro-cut returned seq ${seq}`);
    assert.equal(got.length, columns.length, `seq ${seq}: one value per column`);
    assert.deepEqual(asSet(got[2]!), asSet(want[1]!), `seq ${seq} tags`);
    assert.deepEqual([got[1], ...got.slice(3)], [want[0], ...want.slice(2)], `seq ${seq}`);
  }
  // Time conversion, exclusion, and the header bro-cut keeps with -c.
  assert.deepEqual((await broCut(more, ["-u", "ts"])).slice(0, 2), [
    "2023-11-14T22:13:20+0000",
    "2023-11-14T22:13:21+0000",
  ]);
  const excluded = (await broCut(more, ["-n", "ts", "node"]))[0]!.split("\t");
  assert.equal(excluded.length, 18 - 2, "-n drops two of the 18 flattened columns");
  const header = (await broCut(more, ["-c", "seq", "inner.n"])).filter((l) => l.startsWith("#"));
  assert.deepEqual(header.slice(-2), ["#fields\tseq\tinner.n", "#types\tcount\tcount"]);

  // types.log: every column as bro-cut returns it from Zeek's file (sets compared as sets).
  const ours = (await broCut(`${cluster.logDir}/types.log`, [])).map((l) => l.split("\t"));
  const zeek = (await broCut(`${VECTORS}/logger-ascii/types.log`, [])).map((l) => l.split("\t"));
  assert.equal(ours.length, 9);
  assert.equal(zeek.length, 9);
  const ssColumn = 14;
  for (let r = 0; r < 9; r++) {
    const a = ours[r]!, b = zeek[r]!;
    assert.equal(a.length, b.length, `row ${r}: same number of columns`);
    assert.deepEqual(asSet(a[ssColumn]!), asSet(b[ssColumn]!), `row ${r} ss`);
    assert.deepEqual(
      a.filter((_, i) => i !== ssColumn),
      b.filter((_, i) => i !== ssColumn),
      `row ${r}`,
    );
  }
  const typesHeader = (file: string) =>
    broCut(file, ["-c"]).then((ls) => ls.filter((l) => /^#(fields|types|path)\t/.test(l)));
  assert.deepEqual(
    await typesHeader(`${cluster.logDir}/types.log`),
    await typesHeader(`${VECTORS}/logger-ascii/types.log`),
  );
});

Deno.test("bro-cut reads Zeek's own logger and rotation vectors", async () => {
  const types = await rowsBy(`${VECTORS}/logger-ascii/types.log`, ["row", "s", "ss", "vs", "opt"]);
  assert.deepEqual(types.get("1")!.slice(1, 2), ["tab\\x09here"]);
  assert.deepEqual(
    asSet(types.get("1")![2]!),
    ["(empty)", "\\x28empty)", "\\x2d", "a", "b\\x2cc", "tab\\x09x", "z\u00fc"].sort(),
  );
  assert.equal(types.get("1")![3], "(empty),\\x2d,x\\x2cy,\\x28empty),t\\x09u");
  assert.deepEqual(types.get("0")!.slice(2), ["(empty)", "(empty)", "-"]);
  assert.deepEqual(types.get("3")!.slice(1, 2), ["\\x2d"]);
  assert.equal(types.get("8")![4], "set only in the last row");
  const cluster = await broCut(`${VECTORS}/logger-ascii/cluster.log`, ["node", "message"]);
  assert.ok(cluster.some((l) => /^logger\tgot hello from /.test(l)), cluster.join("\n"));
  const ticks: string[] = [];
  for (
    const name of [...Deno.readDirSync(`${VECTORS}/logger-rotation`)].map((e) => e.name).sort()
  ) {
    if (!name.startsWith("cluster.")) continue;
    ticks.push(...(await broCut(`${VECTORS}/logger-rotation/${name}`, ["message"])));
  }
  const tickNumbers = ticks.filter((m) => m.startsWith("tick ")).map((m) => Number(m.slice(5)));
  assert.deepEqual(tickNumbers, Array.from({ length: 12 }, (_, i) => i + 1));
});
