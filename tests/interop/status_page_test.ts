/**
 * The manager's status page in a real browser (Debian's `chromium`, headless, over the DevTools
 * protocol) on a running five-node cluster: every node listed as up, a worker killed with
 * SIGKILL shown down within 3 s, points in both plots, and a PNG screenshot written to the test's
 * temp dir (kept at `$ZCLUSTER_SCREENSHOT` when that is set, for a person to look at).
 */
import assert from "node:assert/strict";
import { startCluster } from "../_cluster.ts";
import { waitFor } from "../_fixtures.ts";
import { HeadlessPage } from "./_chromium.ts";

const FIVE = ["manager", "logger-1", "proxy-1", "worker-1", "worker-2"];

const STATES = `JSON.stringify(Object.fromEntries([...document.querySelectorAll("#nodes tbody tr")]
  .map((tr) => [tr.dataset.node, tr.dataset.state])))`;
const PLOT_POINTS = (id: string) =>
  `[...document.querySelectorAll("#${id} polyline")]
    .reduce((n, p) => n + p.getAttribute("points").trim().split(" ").length, 0)`;

Deno.test("status page: five nodes up, a killed worker down within 3 s, plots, screenshot", async () => {
  await using cluster = await startCluster({ metrics: true, args: ["--site", "demo"] });
  for (const name of FIVE.slice(1)) {
    await cluster.waitForLine("manager", new RegExp(`node_up ${name}( |$)`), 30_000);
  }
  const port = cluster.layout.manager!.metricsPort as number;
  const url = `http://127.0.0.1:${port}/`;

  // The page is self-contained: nothing but status.json is fetched, from the manager.
  const html = await (await fetch(url)).text();
  assert.match(html, /<svg id="plot-events"/);
  assert.doesNotMatch(html, /<(script|link)[^>]+(src|href)=/);

  await using page = await HeadlessPage.open(url);
  let states: Record<string, string> = {};
  await waitFor(
    async () => {
      states = JSON.parse(await page.evaluate<string>(STATES));
      return FIVE.every((n) => states[n] === "up");
    },
    20_000,
    "every node listed as up",
  );
  assert.deepEqual(Object.keys(states).sort(), [...FIVE].sort());

  await waitFor(
    async () =>
      (await page.evaluate<number>(PLOT_POINTS("plot-events"))) >= 2 * FIVE.length &&
      (await page.evaluate<number>(PLOT_POINTS("plot-records"))) >= 2 * FIVE.length,
    20_000,
    "points in both plots",
  );

  const killedAt = performance.now();
  cluster.kill("worker-1", "SIGKILL");
  await waitFor(
    async () => {
      states = JSON.parse(await page.evaluate<string>(STATES));
      return states["worker-1"] === "down";
    },
    10_000,
    "worker-1 shown down",
  );
  const shownMs = performance.now() - killedAt;
  assert.ok(shownMs < 3000, `worker-1 shown down after ${shownMs.toFixed(0)} ms (bound 3000)`);
  assert.equal(states["worker-2"], "up");
  const text = await page.evaluate<string>(
    `document.querySelector('#nodes tr[data-node="worker-1"] .state').textContent`,
  );
  assert.match(text, /^down \d+s$/);

  const dir = await Deno.makeTempDir({ prefix: "zcluster-status-page-" });
  try {
    const png = await page.screenshot();
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await Deno.writeFile(`${dir}/status.png`, png);
    assert.ok((await Deno.stat(`${dir}/status.png`)).size > 10_000);
    const keep = Deno.env.get("ZCLUSTER_SCREENSHOT");
    if (keep) await Deno.copyFile(`${dir}/status.png`, keep);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
