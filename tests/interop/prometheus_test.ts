/**
 * A real Prometheus server (Debian package `prometheus`) discovers a running five-node cluster
 * through the manager's `/services.json` (`http_sd_configs`) and scrapes every node; `promtool check
 * metrics` (same package) finds nothing to complain about in any node's `/metrics`.
 */
import assert from "node:assert/strict";
import { LOG_ACK_EVENT } from "../../lib/logging/delivery/log_delivery.ts";
import { parsePrometheusText, sampleValue } from "../../lib/metrics/scrape.ts";
import { nodeTopic } from "../../lib/topics/topics.ts";
import { startCluster, type TestCluster } from "../_cluster.ts";
import { freePorts, waitFor } from "../_fixtures.ts";
import { startTester } from "../_tester.ts";

const PACKAGE_HINT = 'install the Debian package "prometheus" (apt-get install -y prometheus)';
const FIVE = ["manager", "logger-1", "proxy-1", "worker-1", "worker-2"];

/** The path of a program of the `prometheus` package, or a clear failure naming the package. */
async function requireTool(name: "prometheus" | "promtool"): Promise<string> {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean), "/usr/bin"];
  for (const dir of dirs) {
    const path = `${dir}/${name}`;
    const info = await Deno.stat(path).catch(() => undefined);
    if (info?.isFile && ((info.mode ?? 0) & 0o111) !== 0) return path;
  }
  throw new Error(`Cannot find ${name} on PATH or in /usr/bin: ${PACKAGE_HINT}`);
}

/** A Prometheus process of our own: own config, storage in a temp dir, loopback only. */
class PrometheusServer implements AsyncDisposable {
  readonly url: string;
  readonly lines: string[] = [];
  readonly #proc: Deno.ChildProcess;
  readonly #status: Promise<Deno.CommandStatus>;
  readonly #dir: string;
  #disposed: Promise<void> | undefined;

  constructor(binary: string, dir: string, config: string, port: number) {
    this.#dir = dir;
    this.url = `http://127.0.0.1:${port}`;
    this.#proc = new Deno.Command(binary, {
      args: [
        `--config.file=${config}`,
        `--storage.tsdb.path=${dir}/data`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=info",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        this.lines.push(...text.split("\n").filter(Boolean));
      }
    };
    const output = Promise.all([pump(this.#proc.stdout), pump(this.#proc.stderr)]).catch(() => {});
    this.#status = this.#proc.status.then(async (s) => {
      await output;
      return s;
    });
  }

  /** The last lines Prometheus logged, for failure messages. */
  tail(): string {
    return `\n--- prometheus output:\n${this.lines.slice(-20).join("\n")}`;
  }

  /** GET an API path; returns the `data` member of a `success` answer. */
  async api(path: string): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`);
    const body = await res.json();
    if (res.status !== 200 || body.status !== "success") {
      throw new Error(`Prometheus ${path}: ${res.status} ${JSON.stringify(body)}`);
    }
    return body.data;
  }

  /** An instant query's result vector. */
  async query(
    expr: string,
  ): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const data = await this.api(`/api/v1/query?query=${encodeURIComponent(expr)}`) as {
      resultType: string;
      result: { metric: Record<string, string>; value: [number, string] }[];
    };
    assert.equal(data.resultType, "vector");
    return data.result;
  }

  /** Kills Prometheus (TERM, then KILL after 10 s) and removes its directory; safe twice. */
  [Symbol.asyncDispose](): Promise<void> {
    this.#disposed ??= (async () => {
      const kill = (signal: Deno.Signal) => {
        try {
          this.#proc.kill(signal);
        } catch { /* already gone */ }
      };
      kill("SIGTERM");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stopped = await Promise.race([
        this.#status.then(() => true),
        new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), 10_000)),
      ]);
      clearTimeout(timer);
      if (!stopped) kill("SIGKILL");
      await this.#status;
      await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
    })();
    return this.#disposed;
  }
}

/** Starts Prometheus scraping the targets the manager's `/services.json` lists, every second. */
async function startPrometheus(servicesUrl: string): Promise<PrometheusServer> {
  const binary = await requireTool("prometheus");
  const dir = await Deno.makeTempDir({ prefix: "zcluster-prometheus-" });
  const config = `${dir}/prometheus.yml`;
  await Deno.writeTextFile(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: zcluster",
      "    http_sd_configs:",
      `      - url: ${servicesUrl}`,
      "        refresh_interval: 1s",
      "",
    ].join("\n"),
  );
  const server = new PrometheusServer(binary, dir, config, freePorts(1)[0]!);
  try {
    await waitFor(
      async () => {
        try {
          const res = await fetch(`${server.url}/-/ready`);
          await res.body?.cancel();
          return res.status === 200;
        } catch {
          return false;
        }
      },
      60_000,
      `Prometheus ready at ${server.url}${server.tail()}`,
    );
  } catch (error) {
    await server[Symbol.asyncDispose]();
    throw error;
  }
  return server;
}

/**
 * {@linkcode waitFor}, with a failure message built when it times out (a template literal passed to
 * `waitFor` is evaluated before the first poll, so it would show the state at the start).
 */
async function waitForExplained(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  explain: () => string | Promise<string>,
): Promise<void> {
  try {
    await waitFor(predicate, timeoutMs, "");
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("Timed out")) throw error;
    const what = await Promise.resolve().then(explain).catch((e) => `(no details: ${e})`);
    throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}

/** Prometheus's view of its targets, one line each, for failure messages. */
async function describeTargets(prometheus: PrometheusServer): Promise<string> {
  type Target = {
    scrapeUrl: string;
    health: string;
    lastError: string;
    lastScrape: string;
    lastScrapeDuration: number;
  };
  const data = await prometheus.api("/api/v1/targets").catch((e) => String(e));
  if (typeof data === "string") return data;
  return (data as { activeTargets: Target[] }).activeTargets.map((t) =>
    `${t.scrapeUrl} ${t.health} last=${t.lastScrape} took=${t.lastScrapeDuration}s` +
    (t.lastError ? ` error=${t.lastError}` : "")
  ).join("\n");
}

/** Pipes a node's `/metrics` text through `promtool check metrics`. */
async function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(await requireTool("promtool"), {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, output: (dec.decode(out.stdout) + dec.decode(out.stderr)).trim() };
}

/** Five nodes with metrics ports and a tester (no metrics port) to publish from. */
async function startFiveNodes(): Promise<TestCluster> {
  const nodes: Record<string, string> = {
    manager: "MANAGER",
    "logger-1": "LOGGER",
    "proxy-1": "PROXY",
    "worker-1": "WORKER",
    "worker-2": "WORKER",
    tester: "CONTROL",
  };
  const cluster = await startCluster({ nodes, metrics: true, deferred: Object.keys(nodes) });
  delete cluster.layout.tester!.metricsPort;
  await Deno.writeTextFile(cluster.layoutPath, JSON.stringify(cluster.layout, null, 2));
  for (const name of FIVE) cluster.start(name);
  return cluster;
}

Deno.test("promtool check metrics finds no problem in any node's /metrics", async () => {
  await requireTool("promtool");
  await using cluster = await startFiveNodes();
  await cluster.waitForFullMesh(FIVE, 30_000);
  for (const name of FIVE) {
    const text = await (await fetch(cluster.metricsUrl(name))).text();
    const { code, output } = await promtoolCheck(text);
    assert.equal(output, "", `promtool on ${name}'s /metrics`);
    assert.equal(code, 0, `promtool on ${name}'s /metrics exited ${code}`);
  }
});

Deno.test("Prometheus discovers every node through /services.json, scrapes them, and sees the events", async () => {
  await requireTool("prometheus");
  await using cluster = await startFiveNodes();
  await cluster.waitForFullMesh(FIVE, 30_000);
  const port = (name: string) => cluster.layout[name]!.metricsPort as number;
  const servicesUrl = `http://127.0.0.1:${port("manager")}/services.json`;
  await using prometheus = await startPrometheus(servicesUrl);

  type Target = { labels: Record<string, string>; health: string; lastError: string };
  let targets: Target[] = [];
  await waitForExplained(
    async () => {
      targets = (await prometheus.api("/api/v1/targets") as { activeTargets: Target[] })
        .activeTargets;
      return targets.length === FIVE.length && targets.every((t) => t.health === "up");
    },
    90_000,
    () => `5 healthy targets; now ${JSON.stringify(targets)}${prometheus.tail()}`,
  );
  assert.deepEqual(
    targets.map((t) => t.labels.instance).sort(),
    FIVE.map((n) => `127.0.0.1:${port(n)}`).sort(),
  );
  assert.ok(targets.every((t) => t.labels.job === "zcluster" && t.lastError === ""));

  const up = await prometheus.query("up");
  assert.equal(up.length, 5, JSON.stringify(up));
  assert.ok(up.every((r) => r.value[1] === "1"), JSON.stringify(up));
  let versions: Awaited<ReturnType<PrometheusServer["query"]>> = [];
  await waitForExplained(
    async () => (versions = await prometheus.query("zeek_version_info")).length === 5,
    30_000,
    () => `zeek_version_info of 5 nodes; now ${JSON.stringify(versions)}`,
  );
  assert.deepEqual(versions.map((r) => r.metric.node).sort(), [...FIVE].sort());
  for (const r of versions) assert.equal(r.metric.instance, `127.0.0.1:${port(r.metric.node!)}`);

  await using tester = await startTester(cluster);
  await waitFor(() => tester.cluster.upNodes().length === 5, 20_000, "tester sees all nodes");
  // node_up on worker-1 follows the tester's last hello: no more hellos are due to worker-1. Log
  // acknowledgements still are, at any time: worker-1 flushes its log writes (among them the
  // tester's arrival) every second to logger-1, which answers each batch with an event to
  // worker-1. The incoming-events count is therefore compared net of those.
  await cluster.waitForLine("worker-1", /node_up tester/);
  const worker1 = cluster.nodes.get("worker-1")!;
  let worker1Exit: Deno.CommandStatus | undefined;
  worker1.status.then((s) => worker1Exit = s);
  const direct = parsePrometheusText(await (await fetch(cluster.metricsUrl("worker-1"))).text());
  const incomingBefore = sampleValue(direct, "zeek_cluster_core_incoming_events_total", {
    node: "worker-1",
  })!;
  const acksBefore = sampleValue(direct, "zeek_event_handler_invocations_total", {
    node: "worker-1",
    name: LOG_ACK_EVENT,
  }) ?? 0;
  assert.ok(incomingBefore > 0);
  const netBefore = incomingBefore - acksBefore;

  const n = 42;
  for (let i = 0; i < n; i++) {
    assert.ok(tester.cluster.publish(nodeTopic("worker-1"), "Test::prometheus", i));
  }
  const single = async (expr: string) => {
    const result = await prometheus.query(expr);
    return result.length === 1 ? Number(result[0]!.value[1]) : undefined;
  };
  const byName = 'zeek_event_handler_invocations_total{node="worker-1",name="Test::prometheus"}';
  // One expression, so both counts come from the same scrape; `or ... * 0` while no ack came yet.
  const incoming = 'sum by (node) (zeek_cluster_core_incoming_events_total{node="worker-1"})';
  const acks =
    `sum by (node) (zeek_event_handler_invocations_total{node="worker-1",name="${LOG_ACK_EVENT}"})`;
  const incomingNet = `${incoming} - on(node) (${acks} or (${incoming} * 0))`;
  let seen: [number | undefined, number | undefined] = [undefined, undefined];
  await waitForExplained(
    async () => {
      seen = [await single(byName), await single(incomingNet)];
      return seen[0] === n && seen[1] === netBefore + n;
    },
    60_000,
    async () => {
      const raw = async (expr: string) =>
        `${expr}: ${JSON.stringify(await prometheus.query(expr).catch((e) => String(e)))}`;
      const handlers = 'zeek_event_handler_invocations_total{node="worker-1"}';
      return [
        `Prometheus seeing ${n} events on worker-1 by name and ${netBefore} + ${n} incoming ` +
        `(${incomingBefore} before, less ${acksBefore} log acks); last seen ${
          JSON.stringify(seen)
        }`,
        await raw(byName),
        await raw(incomingNet),
        await raw(incoming),
        await raw(handlers),
        `--- targets:\n${await describeTargets(prometheus)}`,
        `--- worker-1 process: ${worker1Exit ? `ended ${JSON.stringify(worker1Exit)}` : "running"}`,
        `--- worker-1 output:\n${cluster.lines("worker-1").slice(-15).join("\n")}`,
      ].join("\n") + prometheus.tail();
    },
  );
  assert.equal(await single(byName), n);
  assert.equal(await single(incomingNet), netBefore + n);
  assert.equal(
    await single('zeek_event_handler_invocations_total{node="worker-2",name="Test::prometheus"}'),
    undefined,
  );
});
