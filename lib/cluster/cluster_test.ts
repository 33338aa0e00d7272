/**
 * The event layer's event declarations and current-event metadata, on a Cluster attached to a
 * recording transport (pure logic: no sockets).
 */
import assert from "node:assert/strict";
import { ManualClock, ManualTimers } from "../clock.ts";
import { type Logger, silentLogger } from "../diagnostics/logger.ts";
import { parseLayout } from "../layout/mod.ts";
import { resolveOptions } from "../options/mod.ts";
import {
  type BrokerValue,
  count,
  createEventSerializer,
  NETWORK_TIMESTAMP,
  Timestamp,
  type ZeekEvent,
} from "../serialization/mod.ts";
import { TransportClosedError } from "../errors.ts";
import {
  createMemoryHub,
  emptyTransportStats,
  type Transport,
  type TransportMessage,
} from "../transport/mod.ts";
import { nodeidTopic } from "../topics/mod.ts";
import { Cluster } from "./cluster.ts";

const SERIALIZER = createEventSerializer("broker-bin-v1");

function setup(addNetworkTimestamp = false, logger: Logger = silentLogger) {
  const layout = parseLayout({ manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27760 } });
  const options = resolveOptions({ layout, node: "manager", overrides: { addNetworkTimestamp } });
  const clock = new ManualClock(1_700_000_000);
  const timers = new ManualTimers();
  const cluster = new Cluster(options, {
    serializer: SERIALIZER,
    clock,
    timers,
    logger,
    nodeId: "manager-id",
  });
  const sent: { topic: string; event: ZeekEvent }[] = [];
  const transport: Transport = {
    publish: (msg: TransportMessage) => {
      sent.push({ topic: msg.topic, event: SERIALIZER.decode(msg.payload) });
      return true;
    },
    whenWritable: () => Promise.resolve(),
    subscribe: () => {},
    unsubscribe: () => {},
    sendLog: () => true,
    logEndpointCount: 0,
    stats: emptyTransportStats(),
    closed: new Promise(() => {}),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
  cluster.attach(transport);
  const receive = (event: ZeekEvent, sender = "worker-id") =>
    cluster.handlers.onMessage({
      topic: "zeek.test",
      sender,
      format: SERIALIZER.format,
      payload: SERIALIZER.encode(event),
    });
  return { cluster, clock, timers, sent, receive, options };
}

Deno.test("Cluster.on() with parameter types declares the event; declare() checks its input", () => {
  const { cluster } = setup();
  assert.equal(cluster.signatureOf("Site::ping"), undefined);
  cluster.on("Site::ping", ["string", "count"], () => {});
  assert.deepEqual(cluster.signatureOf("Site::ping"), ["string", "count"]);
  cluster.declare("Site::ping", ["string", "count"]); // the same again: fine
  assert.throws(
    () => cluster.declare("Site::ping", ["string"]),
    /Cannot declare event Site::ping\(string\): already declared as Site::ping\(string, count\)/,
  );
  assert.throws(
    () => cluster.declare("Site::pong", ["str" as "string"]),
    /parameter 1 has unknown type "str"/,
  );
  cluster.on("Site::untyped", () => {});
  assert.equal(cluster.signatureOf("Site::untyped"), undefined);
});

Deno.test("Cluster drops a received event whose arguments do not fit its declaration", () => {
  const { cluster, receive } = setup();
  const got: BrokerValue[][] = [];
  cluster.on("Site::ping", ["string", "count"], (...args) => void got.push(args));
  cluster.on("Site::free", (...args) => void got.push(args));
  receive({ name: "Site::ping", args: ["hi"] });
  receive({ name: "Site::ping", args: [count(1), "hi"] });
  receive({ name: "Site::ping", args: ["hi", count(1)] });
  receive({ name: "Site::free", args: [] });
  assert.deepEqual(got, [["hi", count(1)], []]);
  assert.equal(cluster.stats.signatureMismatches, 2);
});

Deno.test("Cluster.publish() inside a remote event's handler carries that event's network timestamp", () => {
  const { cluster, clock, sent, receive } = setup(true);
  const remoteTs = new Timestamp(1_600_000_000_123_000_000n);
  const seen: (Timestamp | undefined)[] = [];
  cluster.on("Site::ping", ["string"], () => {
    seen.push(cluster.currentEventTime());
    assert.deepEqual(cluster.currentEventMetadata(NETWORK_TIMESTAMP), [remoteTs]);
    assert.equal(cluster.currentEvent()?.name, "Site::ping");
    cluster.publish("zeek.test.pong", "Site::pong", "from handler");
  });
  receive({
    name: "Site::ping",
    args: ["x"],
    metadata: [{ id: NETWORK_TIMESTAMP, value: remoteTs }],
  });
  assert.deepEqual(seen, [remoteTs]);
  assert.equal(cluster.currentEvent(), undefined);
  assert.deepEqual(sent.at(-1)!.event.metadata, [{ id: NETWORK_TIMESTAMP, value: remoteTs }]);

  // Outside a handler, and inside one for an event without a timestamp: the current time.
  clock.advance(5000);
  cluster.publish("zeek.test.pong", "Site::pong", "outside");
  const now = sent.at(-1)!.event.metadata![0]!.value as Timestamp;
  assert.equal(now.ns, 1_700_000_005_000_000_000n);
  receive({ name: "Site::ping", args: ["y"] });
  assert.deepEqual(seen.at(-1), undefined);
  assert.deepEqual(sent.at(-1)!.event.metadata, [{ id: NETWORK_TIMESTAMP, value: now }]);
});

Deno.test("Cluster expires a subscription without hello on its injected timer, and detach() stops it", () => {
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (message) => void warnings.push(message) };
  const { cluster, clock, timers, options } = setup(false, logger);
  assert.equal(timers.pending, 1, "the expiry timer runs once attached");
  cluster.handlers.onSubscription({
    type: "subscribed",
    topic: nodeidTopic("worker-id", options),
  });
  const expiry = options.zeromq.helloExpirationMs;
  clock.advance(expiry - 1);
  timers.advance(expiry - 1);
  assert.deepEqual(warnings.filter((w) => w.startsWith("Expired")), []);
  clock.advance(1000);
  timers.advance(1000);
  assert.deepEqual(warnings.filter((w) => w.startsWith("Expired")), [
    "Expired subscription from nodeid worker-id",
  ]);
  cluster.detach();
  assert.equal(timers.pending, 0);
});

Deno.test("Cluster.whenWritable() waits on the attached transport and refuses without one", async () => {
  const { cluster } = setup();
  const memory = createMemoryHub().attach({ ...cluster.handlers, onLog: () => {} });
  cluster.detach();
  await assert.rejects(cluster.whenWritable(), TransportClosedError);
  cluster.attach(memory);
  await cluster.whenWritable(); // the memory hub never refuses a publish
  await memory[Symbol.asyncDispose]();
  await assert.rejects(cluster.whenWritable(), TransportClosedError);
  cluster.detach();
});
