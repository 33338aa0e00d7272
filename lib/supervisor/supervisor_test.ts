import assert from "node:assert/strict";
import { createLogger } from "../diagnostics/logger.ts";
import type { ClusterLayout } from "../layout/types.ts";
import { EXIT_REFUSED, superviseCluster } from "./supervisor.ts";

const LAYOUT: ClusterLayout = {
  manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 1 },
  "logger-1": { nodeType: "LOGGER", ip: "127.0.0.1", p: 2, manager: "manager" },
  "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 3, manager: "manager" },
};

/** A child program: the node named in `refuse` exits 2 at once, the others run until killed. */
function child(refuse: string) {
  const code = `
    if (Deno.args.includes(${JSON.stringify(refuse)})) Deno.exit(2);
    console.log("running");
    setInterval(() => {}, 60_000);
  `;
  return { command: Deno.execPath(), args: ["eval", code] };
}

Deno.test("superviseCluster() stops every node when one exits 2 (a configuration that cannot work)", async () => {
  const lines: string[] = [];
  const results = await superviseCluster({
    layout: LAYOUT,
    child: child("logger-1"),
    localAddresses: new Set(),
    writeLine: (line) => lines.push(line),
    logger: createLogger({ name: "start", write: (line) => lines.push(line) }),
    signal: new AbortController().signal,
    killAfterMs: 60_000,
  });
  const byNode = Object.fromEntries(results.map((r) => [r.node, r]));
  assert.equal(byNode["logger-1"]!.code, EXIT_REFUSED);
  assert.equal(byNode["logger-1"]!.unexpected, true);
  for (const node of ["manager", "worker-1"]) {
    assert.equal(byNode[node]!.unexpected, false, `${node} was stopped, not dead`);
    assert.equal(byNode[node]!.signal, "SIGTERM");
  }
  assert.ok(
    lines.some((l) => /node logger-1 refused to start \(exit 2\)/.test(l)),
    lines.join("\n"),
  );
});

Deno.test("superviseCluster() starts no node when the preflight throws", async () => {
  const seen: string[][] = [];
  await assert.rejects(
    () =>
      superviseCluster({
        layout: LAYOUT,
        child: child("none"),
        localAddresses: new Set(),
        writeLine: () => {},
        logger: createLogger({ write: () => {} }),
        signal: new AbortController().signal,
        preflight: (names) => {
          seen.push([...names]);
          throw new Error("log directory in use");
        },
      }),
    /log directory in use/,
  );
  assert.deepEqual(seen, [["manager", "logger-1", "worker-1"]]);
});
