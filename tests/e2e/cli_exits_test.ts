/**
 * Operator mistakes on the command line: each exits 2 with a message naming what is wrong, before
 * anything connects or writes.
 */
import assert from "node:assert/strict";
import { freePorts, runCli } from "../_fixtures.ts";

/** A temp directory removed after `fn`, whatever happens. */
async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-cli-exits-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("zcluster status with an unknown node name exits 2 naming it, without connecting", async () => {
  const r = await runCli(["status", "worker-1", "bogus", "--timeout", "1s"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /Unknown node "bogus": the layout's nodes are manager, logger-1/);
  assert.doesNotMatch(r.stderr, /worker-1"/);
  const stop = await runCli(["stop", "bogus", "worker-9"]);
  assert.equal(stop.code, 2);
  assert.match(stop.stderr, /Unknown nodes "bogus", "worker-9"/);
});

Deno.test("zcluster --rotate -1h gives the same message as --rotate=-1h", async () => {
  const spaced = await runCli(["run", "--rotate", "-1h"]);
  const joined = await runCli(["run", "--rotate=-1h"]);
  assert.equal(spaced.code, 2);
  assert.equal(joined.code, 2);
  assert.equal(spaced.stderr, joined.stderr);
  assert.match(spaced.stderr, /Invalid --rotate "-1h": a duration cannot be negative/);
});

Deno.test("zcluster with an unknown flag exits 2 naming the nearest known flag", async () => {
  const r = await runCli(["start", "--lgo-dir", "/tmp/x"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown option '--lgo-dir': did you mean --log-dir\?/);
});

Deno.test("zcluster run with a log directory it cannot create or write says it is the log directory", async () => {
  await withTempDir(async (dir) => {
    const [p, xpub, xsub] = freePorts(3);
    const layoutPath = `${dir}/layout.json`;
    await Deno.writeTextFile(
      layoutPath,
      JSON.stringify({
        manager: {
          nodeType: "MANAGER",
          ip: "127.0.0.1",
          p,
          proxyXpub: `tcp://127.0.0.1:${xpub}`,
          proxyXsub: `tcp://127.0.0.1:${xsub}`,
        },
      }),
    );
    // A regular file where a directory should be: mkdir fails even for root.
    await Deno.writeTextFile(`${dir}/file`, "");
    const logDir = `${dir}/file/logs`;
    const r = await runCli([
      "run",
      "--node",
      "manager",
      "--layout",
      layoutPath,
      "--log-dir",
      logDir,
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`Cannot use the log directory "${logDir}" \\(--log-dir, option logDir\\): `),
    );
    // A directory that exists but takes no file, even from root (sysfs): refused at startup, not
    // at the first record.
    const sys = await runCli([
      "run",
      "--node",
      "manager",
      "--layout",
      layoutPath,
      "--log-dir",
      "/sys",
    ]);
    assert.equal(sys.code, 2, sys.stderr);
    assert.match(sys.stderr, /Cannot use the log directory "\/sys" \(--log-dir, option logDir\): /);
  });
});

Deno.test("zcluster check lists a port on the proxy's, a missing manager and a bad field in one pass", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/layout.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        manager: {
          nodeType: "MANAGER",
          ip: "127.0.0.1",
          p: 27762,
          proxyXsub: "tcp://127.0.0.1:7001",
        },
        "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 5555, manager: "manager" },
        "worker-2": { nodeType: "WORKER", ip: "127.0.0.1", p: 27766, manager: "mgr" },
        "worker-3": { nodeType: "WORKER", ip: "127.0.0.1", p: 27767, metricsPort: 7001 },
        "worker-4": { nodeType: "WORKER", ip: "10.0.0.300", p: 27768 },
      }),
    );
    const r = await runCli(["check", "--layout", path]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /4 problems/);
    assert.match(r.stderr, /node "worker-4": field "ip"/);
    assert.match(r.stderr, /node "worker-2": field "manager" names unknown node "mgr"/);
    assert.match(
      r.stderr,
      /node "worker-1": field "p" 127\.0\.0\.1:5555 is already used by the proxy's XPUB port/,
    );
    assert.match(
      r.stderr,
      /node "worker-3": field "metricsPort" 127\.0\.0\.1:7001 is already used by node "manager" field "proxyXsub"/,
    );
  });
});
