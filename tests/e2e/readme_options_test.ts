/**
 * The README's table of `zeromq.*` options is the list operators go by: every row must be settable
 * with `--set zeromq.NAME=VALUE` (the path `main.ts run` takes: flags, then `resolveOptions`) and
 * must reach what uses it (the node transport, the proxy), and the table must list exactly the
 * options there are.
 */
import assert from "node:assert/strict";
import { parseCliArgs } from "../../lib/cli/args.ts";
import { OptionsError } from "../../lib/errors.ts";
import { parseLayout } from "../../lib/layout/parse_layout.ts";
import {
  zeromqProxyOptions,
  zeromqTransportOptions,
} from "../../lib/transport/zeromq/from_options.ts";
import { resolveOptions } from "../../lib/options/options.ts";
import { DEFAULT_ZEROMQ_OPTIONS } from "../../lib/options/zeromq_options.ts";

const README = new URL("../../README.md", import.meta.url);

const layout = parseLayout({
  manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27760 },
  "logger-1": { nodeType: "LOGGER", ip: "127.0.0.1", p: 27761, manager: "manager" },
  "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 27762, manager: "manager" },
});

/** The option names in the README's "Every `zeromq.*` option" table. */
async function readmeZeromqOptions(): Promise<string[]> {
  const text = await Deno.readTextFile(README);
  const start = text.indexOf("### Every `zeromq.*` option");
  assert.ok(start >= 0, "README has no 'Every `zeromq.*` option' section");
  const end = text.indexOf("\n#", start + 1);
  const names: string[] = [];
  for (const line of text.slice(start, end).split("\n")) {
    const m = /^\| `([A-Za-z0-9]+)` +\|/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}

/** A value of the same type as `value` that differs from it. */
function another(name: string, value: unknown): unknown {
  if (typeof value === "boolean") return !value;
  if (typeof value === "number") return value < 0 ? 65536 : value + 7;
  if (Array.isArray(value)) return ["tcp://127.0.0.9:7001"];
  if (name.endsWith("Endpoint")) return "tcp://127.0.0.9:7000";
  if (name === "internalTopicPrefix") return "site.internal.";
  return `/etc/zcluster/${name}`;
}

/** Options the node transport takes under the same name. */
const TRANSPORT = new Set([
  "connectXpubEndpoint",
  "connectXsubEndpoint",
  "connectLogEndpoints",
  "listenLogEndpoint",
  "lingerMs",
  "xpubSndhwm",
  "xpubSndbuf",
  "xsubRcvhwm",
  "xsubRcvbuf",
  "onloopQueueHwm",
  "logImmediate",
  "logSndhwm",
  "logRcvhwm",
  "logSndbuf",
  "logRcvbuf",
  "ipv6",
  "connectXpubNodrop",
  "pollMaxMessages",
  "xpubImmediate",
  "xpubRetryOnEagain",
  "heartbeatIntervalMs",
  "heartbeatTimeoutMs",
  "reconnectIntervalMs",
  "reconnectIntervalMaxMs",
]);
/** Options the proxy takes under the same name. */
const PROXY = new Set([
  "listenXpubEndpoint",
  "listenXsubEndpoint",
  "listenXpubNodrop",
  "proxyIoThreads",
  "ipv6",
  "heartbeatIntervalMs",
  "heartbeatTimeoutMs",
]);

Deno.test("README: the zeromq option table lists exactly the options there are", async () => {
  const names = await readmeZeromqOptions();
  assert.deepEqual([...names].sort(), Object.keys(DEFAULT_ZEROMQ_OPTIONS).sort());
  assert.ok(names.includes("xpubImmediate"));
});

Deno.test("README: every zeromq option is settable with --set and reaches its consumer", async () => {
  for (const name of await readmeZeromqOptions()) {
    const base = resolveOptions({ layout, node: "manager" }).zeromq as unknown as Record<
      string,
      unknown
    >;
    const value = another(name, base[name]);
    const args = parseCliArgs([
      "run",
      "--node",
      "manager",
      "--set",
      `zeromq.${name}=${JSON.stringify(value)}`,
    ]);
    const options = resolveOptions({ layout, node: "manager", overrides: args.overrides });
    const z = options.zeromq as unknown as Record<string, unknown>;
    assert.deepEqual(z[name], value, `--set zeromq.${name}`);
    const consumers = [
      ...(TRANSPORT.has(name) ? [["transport", zeromqTransportOptions(options)] as const] : []),
      ...(PROXY.has(name) ? [["proxy", zeromqProxyOptions(options)] as const] : []),
    ];
    for (const [what, got] of consumers) {
      assert.deepEqual((got as Record<string, unknown>)[name], value, `${what} gets ${name}`);
    }
  }
});

Deno.test("--set zeromq.xpubImmediate=false turns ZMQ_IMMEDIATE off; an unknown name is still refused", () => {
  const off = parseCliArgs(["run", "--set", "zeromq.xpubImmediate=false"]);
  const options = resolveOptions({ layout, node: "worker-1", overrides: off.overrides });
  assert.equal(options.zeromq.xpubImmediate, false);
  assert.equal(zeromqTransportOptions(options).xpubImmediate, false);
  assert.equal(
    zeromqTransportOptions(resolveOptions({ layout, node: "worker-1" })).xpubImmediate,
    true,
  );
  const bad = parseCliArgs(["run", "--set", "zeromq.xpubImediate=false"]);
  assert.throws(
    () => resolveOptions({ layout, node: "worker-1", overrides: bad.overrides }),
    (e: unknown) =>
      e instanceof OptionsError && /Unknown option zeromq\.xpubImediate/.test(e.message),
  );
  const wrongType = parseCliArgs(["run", "--set", "zeromq.xpubImmediate=1"]);
  assert.throws(
    () => resolveOptions({ layout, node: "worker-1", overrides: wrongType.overrides }),
    /Invalid option zeromq\.xpubImmediate: expected boolean/,
  );
});

Deno.test("--set zeromq.proxyInproc=false: the manager's sockets reach its proxy over TCP, as Zeek's", () => {
  const proxy = {
    context: { theProxysContext: true } as never,
    xpubEndpoint: "inproc://zcluster-proxy-xpub-x",
    xsubEndpoint: "inproc://zcluster-proxy-xsub-x",
  };
  const on = resolveOptions({ layout, node: "manager" });
  assert.equal(on.zeromq.proxyInproc, true);
  assert.equal(zeromqProxyOptions(on).inproc, true);
  const inproc = zeromqTransportOptions(on, { proxy });
  assert.equal(inproc.connectXsubEndpoint, proxy.xpubEndpoint);
  assert.equal(inproc.connectXpubEndpoint, proxy.xsubEndpoint);
  const args = parseCliArgs(["run", "--node", "manager", "--set", "zeromq.proxyInproc=false"]);
  const off = resolveOptions({ layout, node: "manager", overrides: args.overrides });
  assert.equal(zeromqProxyOptions(off).inproc, false);
  const tcp = zeromqTransportOptions(off, { proxy });
  assert.equal(tcp.connectXsubEndpoint, off.zeromq.connectXsubEndpoint);
  assert.equal(tcp.connectXpubEndpoint, off.zeromq.connectXpubEndpoint);
  assert.equal(tcp.context, undefined);
  // A manager that binds a CURVE log PULL keeps TCP: one ZAP handler per libzmq context.
  const logging = resolveOptions({
    layout,
    node: "manager",
    overrides: { zeromq: { listenLogEndpoint: "tcp://127.0.0.1:27763" } },
  });
  const curveServer = { secretKey: "x".repeat(40), allowedClients: [] };
  const curvePull = zeromqTransportOptions(logging, { proxy, curveServer });
  assert.equal(curvePull.connectXsubEndpoint, logging.zeromq.connectXsubEndpoint);
  assert.equal(curvePull.context, undefined);
  assert.equal(zeromqTransportOptions(logging, { proxy }).context, proxy.context);
});
