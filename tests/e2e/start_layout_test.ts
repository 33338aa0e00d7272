/**
 * `zcluster start` on a layout that carries its own proxy endpoints: no `--proxy-*` flag anywhere,
 * `--websocket PORT` served by the manager alone, and `status`, `print`, `stop` finding the
 * cluster from the layout.
 */
import assert from "node:assert/strict";
import { freePorts, MAIN, runCli, waitFor } from "../_fixtures.ts";

const NODES = ["manager", "logger-1", "proxy-1", "worker-1", "worker-2"];

/** Lines of `ss -Htln` that listen on a TCP port. */
async function listeners(port: number): Promise<string[]> {
  const out = await new Deno.Command("ss", { args: ["-Htln"], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) =>
    new RegExp(`:${port}\\s`).test(l)
  );
}

/** Subscribes a WebSocket client to `topics` and returns the server's first message. */
async function firstReply(url: string, topics: string[]): Promise<Record<string, unknown>> {
  const ws = new WebSocket(url);
  try {
    return await new Promise((resolve, reject) => {
      ws.onopen = () => ws.send(JSON.stringify(topics));
      ws.onmessage = (e) => resolve(JSON.parse(String(e.data)));
      ws.onerror = () => reject(new Error(`WebSocket ${url} failed`));
      ws.onclose = (e) => reject(new Error(`WebSocket ${url} closed: ${e.code} ${e.reason}`));
    });
  } finally {
    ws.onclose = null;
    ws.close();
  }
}

Deno.test("zcluster start --websocket: the manager alone listens (and nodes with a layout websocketPort), every node stays up, a client gets its ack; status, print and stop need no proxy flag", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-start-layout-" });
  const ports = freePorts(9);
  const [xpub, xsub, ws, ws2] = [ports[5]!, ports[6]!, ports[7]!, ports[8]!];
  const node = (nodeType: string, p: number) => ({
    nodeType,
    ip: "127.0.0.1",
    p,
    ...(nodeType === "MANAGER" ? {} : { manager: "manager" }),
  });
  const layoutPath = `${dir}/layout.json`;
  await Deno.writeTextFile(
    layoutPath,
    JSON.stringify({
      manager: {
        ...node("MANAGER", ports[0]!),
        proxyXpub: `tcp://127.0.0.1:${xpub}`,
        proxyXsub: `tcp://127.0.0.1:${xsub}`,
      },
      "logger-1": node("LOGGER", ports[1]!),
      "proxy-1": node("PROXY", ports[2]!),
      "worker-1": node("WORKER", ports[3]!),
      // A listener of its own, from the layout.
      "worker-2": { ...node("WORKER", ports[4]!), websocketPort: ws2 },
    }),
  );
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "start", "--layout", layoutPath, "--websocket", String(ws)],
    cwd: dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const dec = new TextDecoder();
  const collect = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) lines.push(...dec.decode(c).split("\n"));
  };
  const collected = Promise.all([collect(proc.stdout), collect(proc.stderr)]);
  let stopped = false;
  try {
    await waitFor(
      () => lines.filter((l) => /info \S+: node_up /.test(l)).length >= 20,
      30_000,
      () => `every node up on every other:\n${lines.join("\n")}`,
    );
    assert.ok(!lines.some((l) => /died|Address already in use/.test(l)), lines.join("\n"));
    assert.equal((await listeners(ws)).length, 1, "one WebSocket listener");
    const ack = await firstReply(`ws://127.0.0.1:${ws}/v1/messages/json`, ["zcluster.test."]);
    assert.equal(ack.type, "ack", JSON.stringify(ack));
    assert.equal((await listeners(ws2)).length, 1, "worker-2's listener from the layout");
    const ack2 = await firstReply(`ws://127.0.0.1:${ws2}/v1/messages/json`, ["zcluster.test."]);
    assert.equal(ack2.type, "ack", JSON.stringify(ack2));

    const layoutArgs = ["--layout", layoutPath, "--timeout", "10s"];
    const status = await runCli(["status", ...layoutArgs]);
    assert.equal(status.code, 0, status.stderr);
    for (const name of NODES) {
      assert.match(status.stdout, new RegExp(`^${name}\\s.*\\brunning\\b`, "m"));
    }
    const print = await runCli(["print", "worker-1", "retryIntervalMs", ...layoutArgs]);
    assert.equal(print.code, 0, print.stderr);
    assert.match(print.stdout, /1000/);
    const stop = await runCli(["stop", ...layoutArgs]);
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    const code = (await proc.status).code;
    stopped = true;
    await collected;
    assert.equal(code, 0, lines.join("\n"));
  } finally {
    if (!stopped) {
      proc.kill("SIGINT");
      await proc.status;
      await collected;
    }
    await Deno.remove(dir, { recursive: true });
  }
});
