import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { FIVE_NODES, fiveNodeLayout, freePorts, MAIN, waitFor, writeLayout } from "../_fixtures.ts";
import type { StatusDoc } from "../../lib/status/sample.ts";

/** The `got hello from` lines of every cluster.log in `dir`, live or rotated, plain or gzip. */
async function joinsIn(dir: string): Promise<number> {
  let joins = 0;
  for (const n of await names(dir)) {
    if (!/^cluster\..*log(\.gz)?$/.test(n)) continue;
    const bytes = await Deno.readFile(`${dir}/${n}`).catch(() => undefined);
    if (!bytes) continue; // rotated away meanwhile
    let text: string;
    try {
      text = new TextDecoder().decode(n.endsWith(".gz") ? gunzipSync(bytes) : bytes);
    } catch {
      continue; // a .gz being written
    }
    joins += text.split("\n").filter((l) => l.includes("\tgot hello from ")).length;
  }
  return joins;
}

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

Deno.test("zcluster start prints the status page URL; the page and status.json serve a live cluster; --log-compress gzip archives rotated logs", async () => {
  const ports = freePorts(12);
  const path = await writeLayout(fiveNodeLayout(ports));
  const logDir = await Deno.makeTempDir();
  const proc = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "start",
      "--site",
      "demo",
      "--layout",
      path,
      "--log-dir",
      logDir,
      "--rotate",
      "1s",
      "--log-compress",
      "gzip",
      "--proxy-xpub",
      `tcp://127.0.0.1:${ports[10]}`,
      "--proxy-xsub",
      `tcp://127.0.0.1:${ports[11]}`,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines: string[] = [];
  const pump = (async () => {
    for await (const text of proc.stdout.pipeThrough(new TextDecoderStream())) {
      lines.push(...text.split("\n"));
    }
  })();
  const base = `http://127.0.0.1:${ports[5]}/`;
  try {
    await waitFor(() => lines.includes(`status page: ${base}`), 30_000, "the status page URL");
    let doc: StatusDoc | undefined;
    await waitFor(
      async () => {
        const res = await fetch(`${base}status.json`).catch(() => undefined);
        doc = res?.ok ? await res.json() : (await res?.body?.cancel(), undefined);
        return doc !== undefined && doc.nodes.every((n) => n.state === "up") &&
          doc.nodes.every((n) => n.scrape.at !== null);
      },
      30_000,
      () => `every node up and scraped in status.json: ${JSON.stringify(doc?.nodes)}`,
    );
    // cluster.log rotates every second here: the page shows the current file's lines.
    assert.ok(Array.isArray(doc!.clusterLog.lines));
    assert.equal(doc!.version, 1);
    assert.deepEqual(doc!.nodes.map((n) => n.name), [...FIVE_NODES]);
    assert.ok(doc!.nodes.every((n) => n.metricsUrl?.endsWith("/metrics")));
    const page = await fetch(base);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await page.text(), /<table id="nodes">/);
    // Another node serves no page.
    const other = await fetch(`http://127.0.0.1:${ports[6]}/`);
    assert.equal(other.status, 404);
    await other.body?.cancel();
    await waitFor(
      async () => (await names(logDir)).some((n) => /^cluster\..*\.log\.gz$/.test(n)),
      30_000,
      "a compressed rotated cluster.log",
    );
    // Each node's own joins reach the logger within its flush interval; stopping before they are
    // written would test the stop, not the compression.
    let seen = 0;
    await waitFor(
      async () => (seen = await joinsIn(logDir)) >= 20,
      30_000,
      () => `20 joins in cluster.log (at ${seen})`,
    );
  } finally {
    proc.kill("SIGINT");
  }
  assert.equal((await proc.status).code, 0);
  await pump;
  const after = await names(logDir);
  assert.ok(!after.some((n) => n.endsWith(".tmp")), `no temp file: ${after}`);
  assert.ok(
    !after.some((n) => /\.\d{4}(-\d\d){5}(-\d+)?\.log$/.test(n)),
    `all compressed: ${after}`,
  );
  let joins = 0;
  for (const n of after.filter((n) => /^cluster\..*\.log\.gz$/.test(n))) {
    const text = new TextDecoder().decode(gunzipSync(await Deno.readFile(`${logDir}/${n}`)));
    assert.match(text, /^#separator /);
    joins += text.split("\n").filter((l) => l.includes("\tgot hello from ")).length;
  }
  assert.equal(joins, 20, "every join of cluster.log, across the compressed files");
  await Deno.remove(logDir, { recursive: true });
  await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true }).catch(() => {});
});
