/**
 * One regression test per zeromq.js defect seen under Deno 2.9.6 (perf-reliability-anchors §0.1),
 * each running the real pattern against our transport, which now drives libzmq through FFI (the
 * defects live in zeromq.js's binding, not in libzmq). The canaries still run zeromq.js itself,
 * in a child process, to report whether Deno or zeromq.js fixed them.
 */
import assert from "node:assert/strict";
import { Recorder, waitFor } from "../_test_helpers.ts";
import { createZeromqTransport } from "./zeromq_transport.ts";

const CONFIG = new URL("../../../deno.json", import.meta.url).pathname;
const TESTDATA = new URL("./testdata/", import.meta.url);

/** A child `deno run` of a testdata script, with its stdout collected line by line. */
class DenoChild implements AsyncDisposable {
  readonly lines: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #reading: Promise<void>;

  constructor(script: string, args: string[]) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", CONFIG, new URL(script, TESTDATA).pathname, ...args],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#reading = this.#read();
  }

  get status(): Promise<Deno.CommandStatus> {
    return this.#child.status;
  }

  kill(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch {
      // Already exited.
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.#child.status;
    await this.#reading;
  }

  async #read(): Promise<void> {
    const stderr = new Response(this.#child.stderr).text();
    let buffer = "";
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let i;
      while ((i = buffer.indexOf("\n")) >= 0) {
        this.lines.push(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
      }
    }
    const err = await stderr;
    if (err.trim() !== "") this.lines.push(`stderr: ${err.trim()}`);
  }
}

Deno.test("defect (b): a bound PULL receives all 5,000 messages from a bursting subprocess PUSH", async () => {
  const r = new Recorder();
  await using logger = await createZeromqTransport(r, {
    connectXsubEndpoint: "tcp://127.0.0.1:9",
    connectXpubEndpoint: "tcp://127.0.0.1:9",
    listenLogEndpoint: "tcp://127.0.0.1:*",
  });
  await using pusher = new DenoChild("push_burst.ts", [logger.logEndpoint!, "5000", "10"]);
  await waitFor(() => r.logs.length >= 5000, "5,000 log batches", 60_000);
  assert.equal((await pusher.status).code, 0, pusher.lines.join("\n"));
  const seq = r.logs.map((l) => Number(new TextDecoder().decode(l.batch)));
  assert.deepEqual(seq, Array.from({ length: 5000 }, (_, i) => i));
  assert.equal(logger.stats.msgErrors, 0);
});

Deno.test("defect (b) canary: report whether a pending receive() on a bound PULL still misses wake-ups", async () => {
  await using canary = new DenoChild("pending_pull_canary.ts", ["5000", "5000"]);
  await waitFor(() => canary.lines.length > 0, "the canary PULL to bind", 30_000);
  const endpoint = canary.lines[0]!.replace(/^endpoint /, "");
  await using pusher = new DenoChild("push_burst.ts", [endpoint, "5000", "10"]);
  await pusher.status;
  await canary.status;
  const line = canary.lines.find((l) => l.startsWith("received ")) ?? "received ?";
  const n = Number(line.slice("received ".length));
  console.log(
    n === 5000
      ? `  pending-receive PULL canary: got 5000/5000 this run (the defect is intermittent)`
      : `  pending-receive PULL canary: got ${n}/5000; defect (b) still present in Deno ${Deno.version.deno}`,
  );
  assert.ok(line.startsWith("received "), canary.lines.join("\n"));
});

Deno.test("defect (c): a subscriber resumes after the proxy is killed with SIGKILL and restarted", async () => {
  let proxy = new DenoChild("proxy_main.ts", ["tcp://127.0.0.1:*", "tcp://127.0.0.1:*"]);
  try {
    await waitFor(() => proxy.lines.length > 0, "the proxy to start", 30_000);
    const [ready, xpubEndpoint, xsubEndpoint] = proxy.lines[0]!.split(" ");
    assert.equal(ready, "ready", proxy.lines.join("\n"));
    const options = { connectXsubEndpoint: xpubEndpoint!, connectXpubEndpoint: xsubEndpoint! };
    const ra = new Recorder();
    const rb = new Recorder();
    await using a = await createZeromqTransport(ra, options);
    await using b = await createZeromqTransport(rb, options);
    b.subscribe("t.");
    await waitFor(() => ra.saw("subscribed", "t."), "the publisher to see the subscription");
    let n = 0;
    const publishUntil = async (predicate: () => boolean, what: string) => {
      await waitFor(
        () => {
          a.publish({ topic: "t.x", sender: "a", format: "f", payload: Uint8Array.of(n++ & 0xff) });
          return predicate();
        },
        what,
        30_000,
      );
    };
    await publishUntil(() => rb.messages.length > 0, "a message before the restart");

    proxy.kill("SIGKILL");
    await proxy.status;
    await proxy[Symbol.asyncDispose]();
    const receivedBefore = rb.messages.length;
    const subsBefore = ra.subscriptions.length;
    proxy = new DenoChild("proxy_main.ts", [xpubEndpoint!, xsubEndpoint!]);
    await waitFor(() => proxy.lines.length > 0, "the proxy to restart", 30_000);
    assert.equal(proxy.lines[0], `ready ${xpubEndpoint} ${xsubEndpoint}`, proxy.lines.join("\n"));

    await publishUntil(() => rb.messages.length > receivedBefore, "a message after the restart");
    await waitFor(
      () =>
        ra.subscriptions.slice(subsBefore).some((s) => s.type === "subscribed" && s.topic === "t."),
      "the subscription notification to come back",
    );
    console.log(
      `  resumed: ${rb.messages.length - receivedBefore} received after restart, ` +
        `xpubDrops=${a.stats.xpubDrops}`,
    );
  } finally {
    await proxy[Symbol.asyncDispose]();
  }
});

Deno.test("defect (a): no socket of ours sets receiveTimeout or sendTimeout", async () => {
  for (
    const file of [
      "libzmq.ts",
      "socket.ts",
      "reactor.ts",
      "zeromq_transport.ts",
      "proxy.ts",
      "zap_handler.ts",
      "options.ts",
      "_util.ts",
    ]
  ) {
    const source = await Deno.readTextFile(new URL(file, import.meta.url));
    const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""); // comments may mention them
    assert.doesNotMatch(code, /receiveTimeout|sendTimeout|ZMQ_RCVTIMEO|ZMQ_SNDTIMEO/, file);
  }
});

Deno.test("defect (a) canary: report whether receiveTimeout still crashes Deno", async () => {
  await using canary = new DenoChild("receive_timeout_canary.ts", []);
  const status = await canary.status;
  await canary[Symbol.asyncDispose]();
  const survived = status.success && canary.lines.includes("survived");
  console.log(
    survived
      ? `  receiveTimeout canary: survived (exit 0); defect (a) looks fixed in Deno ${Deno.version.deno}`
      : `  receiveTimeout canary: crashed (code ${status.code}, signal ${status.signal}); ` +
        `defect (a) still present in Deno ${Deno.version.deno}`,
  );
  assert.ok(typeof status.code === "number");
});
