import assert from "node:assert/strict";
import { count } from "../serialization/mod.ts";
import { encodeDataMessage, ERROR_CONTEXT } from "./protocol.ts";
import { CLOSE, type SessionOptions, WebSocketSession } from "./session.ts";
import { createWebSocketStats } from "./stats.ts";
import {
  CAPTURE_NODE_ID,
  capturedFrame,
  FakeCluster,
  FakeSocket,
  loadCapture,
  ManualTimers,
  PingSocket,
  pyDataMessage,
  settle,
} from "../../tests/websocket/_helpers.ts";

const SIGS = { ping: ["string", "count"] } as const;
const PING = pyDataMessage("ping", [
  { "@data-type": "string", data: "hi" },
  { "@data-type": "count", data: 41 },
]);

function start(
  options: Partial<SessionOptions> = {},
  socket: FakeSocket = new FakeSocket(),
  cluster = new FakeCluster(),
) {
  const stats = createWebSocketStats();
  const timers = new ManualTimers();
  const session = new WebSocketSession(socket, cluster, {
    id: `${cluster.nodeId}-websocket-0`,
    signatures: SIGS,
    stats,
    timers,
    ...options,
  });
  socket.session = session;
  session.open();
  return { session, socket, cluster, stats, timers };
}

async function acked(options: Partial<SessionOptions> = {}, topics = ["zeek.test.pong"]) {
  const s = start(options);
  s.session.handleMessage(JSON.stringify(topics));
  await settle();
  assert.equal(s.session.state, "ready");
  return s;
}

Deno.test("WebSocketSession replays every Zeek 8.2.2 capture with Zeek's replies", async () => {
  const capture = await loadCapture();
  for (const [n, recorded] of capture.entries()) {
    const cluster = new FakeCluster(CAPTURE_NODE_ID);
    const { session, socket } = start(
      { id: `${CAPTURE_NODE_ID}-websocket-${n}` },
      undefined,
      cluster,
    );
    const expected: string[] = [];
    for (const step of recorded.exchange) {
      if ("sent" in step) {
        session.handleMessage(capturedFrame(step.sent));
        await settle();
      } else {
        expected.push(step.received);
      }
    }
    if (recorded.case === "subscribe-ping-pong") {
      // Zeek's manager answered the ping with pong("hi", 42) on zeek.test.pong.
      assert.deepEqual(cluster.published.map((p) => [p.topic, p.event.name, p.sender]), [
        ["zeek.test.ping", "ping", `${CAPTURE_NODE_ID}-websocket-0`],
      ]);
      session.deliver(
        encodeDataMessage("zeek.test.pong", { name: "pong", args: ["hi", count(42)] }),
      );
    }
    assert.deepEqual(socket.sent, expected, recorded.case);
    assert.equal(recorded.close, null);
    assert.deepEqual(socket.closes, [], `${recorded.case}: Zeek kept the connection open`);
    await session[Symbol.asyncDispose]();
  }
});

Deno.test("WebSocketSession refuses a wrong URI with invalid_uri and close 1008", async () => {
  const { socket, session, stats } = start({ path: "/v1/messages/bin" });
  assert.deepEqual(socket.json(), [{
    type: "error",
    code: "invalid_uri",
    context: "Invalid URI - use /v1/messages/json",
  }]);
  assert.deepEqual(socket.closes, [{ code: 1008, reason: "Invalid URI - use /v1/messages/json" }]);
  assert.deepEqual(await session.closed, { code: 1008, reason: ERROR_CONTEXT.invalidUri });
  assert.equal(stats.errors.invalid_uri, 1);
  assert.equal(stats.connected, 0);
});

Deno.test("WebSocketSession refuses a bad X-Application-Name with close 1008", async () => {
  const { socket, session } = start({ applicationName: "my app" });
  assert.deepEqual(socket.json(), [{
    type: "error",
    code: "invalid_application_name",
    context: "Invalid X-Application-Name",
  }]);
  assert.deepEqual(await session.closed, { code: 1008, reason: "Invalid X-Application-Name" });
});

Deno.test("WebSocketSession accepts a valid application name and labels it", async () => {
  const { session } = await acked({ applicationName: "zeekctl/2.5.0" });
  assert.equal(session.info.applicationName, "zeekctl/2.5.0");
  await session[Symbol.asyncDispose]();
  const plain = start();
  assert.equal(plain.session.info.applicationName, "unknown");
  await plain.session[Symbol.asyncDispose]();
});

/** Inputs sent as the first message, all refused without an ack. */
const BAD_FIRST: [name: string, frame: string | Uint8Array, context: string][] = [
  ["not json", "not json", ERROR_CONTEXT.subscriptionsNotArray],
  ["object", '{"a": 1}', ERROR_CONTEXT.subscriptionsNotArray],
  ["string", '"zeek.test"', ERROR_CONTEXT.subscriptionsNotArray],
  ["number", "42", ERROR_CONTEXT.subscriptionsNotArray],
  ["null", "null", ERROR_CONTEXT.subscriptionsNotArray],
  ["empty frame", "", ERROR_CONTEXT.subscriptionsNotArray],
  ["truncated array", '["zeek.test"', ERROR_CONTEXT.subscriptionsNotArray],
  ["binary garbage", new Uint8Array([0, 1, 2]), ERROR_CONTEXT.subscriptionsNotArray],
  [
    "invalid UTF-8",
    new Uint8Array([0x5b, 0x22, 0xff, 0x22, 0x5d]),
    ERROR_CONTEXT.subscriptionsNotArray,
  ],
  ["array of numbers", "[1, 2]", ERROR_CONTEXT.subscriptionNotString],
  ["mixed array", '["ok", 5]', ERROR_CONTEXT.subscriptionNotString],
  ["array with null", "[null]", ERROR_CONTEXT.subscriptionNotString],
  ["nested array", '[["zeek"]]', ERROR_CONTEXT.subscriptionNotString],
  ["array with object", '[{"topic": "x"}]', ERROR_CONTEXT.subscriptionNotString],
  [
    "too many topics",
    JSON.stringify(Array.from({ length: 5 }, (_, i) => `t${i}`)),
    ERROR_CONTEXT.tooManySubscriptions,
  ],
  ["topic too long", JSON.stringify(["t".repeat(65)]), ERROR_CONTEXT.subscriptionTooLong],
];

Deno.test("WebSocketSession answers malformed first messages as Zeek and keeps the connection", async () => {
  for (const [name, frame, context] of BAD_FIRST) {
    const { session, socket, cluster } = start({ maxTopics: 4, maxTopicBytes: 64 });
    session.handleMessage(frame);
    await settle();
    assert.deepEqual(
      socket.json(),
      [{ type: "error", code: "deserialization_failed", context }],
      name,
    );
    assert.deepEqual(socket.closes, [], name);
    assert.equal(session.state, "rejected", name);
    assert.equal(cluster.subscriptions.size, 0, name);
    // Later frames are queued behind the missing ack and never processed.
    session.handleMessage('["zeek.test"]');
    session.handleMessage(PING);
    await settle();
    assert.equal(socket.sent.length, 1, name);
    assert.equal(cluster.published.length, 0, name);
    await session[Symbol.asyncDispose]();
  }
});

function frameWith(replace: string, by: string): string {
  assert.ok(PING.includes(replace), replace);
  return PING.replace(replace, by);
}

/** Data messages after the ack, refused with Zeek's contexts. */
const BAD_DATA: [name: string, frame: string | Uint8Array, context: string][] = [
  ["not json", "not json", ERROR_CONTEXT.decodeFailed],
  ["json array", "[1, 2, 3]", ERROR_CONTEXT.decodeFailed],
  ["json string", '"hello"', ERROR_CONTEXT.decodeFailed],
  ["json null", "null", ERROR_CONTEXT.decodeFailed],
  ["binary garbage", new Uint8Array([0xff, 0xfe, 0x00]), ERROR_CONTEXT.decodeFailed],
  ["type only", '{"type": "nope"}', ERROR_CONTEXT.decodeFailed],
  [
    "unknown @data-type",
    '{"type":"data-message","topic":"zeek.test.ping","@data-type":"bogus","data":1}',
    ERROR_CONTEXT.decodeFailed,
  ],
  [
    "missing data",
    '{"type":"data-message","topic":"t","@data-type":"vector"}',
    ERROR_CONTEXT.decodeFailed,
  ],
  [
    "vector data is an object",
    '{"type":"data-message","topic":"t","@data-type":"vector","data":{}}',
    ERROR_CONTEXT.decodeFailed,
  ],
  [
    "element without @data-type",
    '{"topic":"t","@data-type":"vector","data":[{"data":1}]}',
    ERROR_CONTEXT.decodeFailed,
  ],
  [
    "real without decimal",
    frameWith('{"@data-type": "count", "data": 41}', '{"@data-type": "real", "data": 1}'),
    ERROR_CONTEXT.decodeFailed,
  ],
  [
    "real as string",
    frameWith('{"@data-type": "count", "data": 41}', '{"@data-type": "real", "data": "1.0"}'),
    ERROR_CONTEXT.decodeFailed,
  ],
  ["negative count", frameWith('"data": 41', '"data": -41'), ERROR_CONTEXT.decodeFailed],
  ["fractional count", frameWith('"data": 41', '"data": 41.5'), ERROR_CONTEXT.decodeFailed],
  [
    "count over 2^64",
    frameWith('"data": 41', '"data": 18446744073709551616'),
    ERROR_CONTEXT.decodeFailed,
  ],
  [
    "boolean as string",
    frameWith('{"@data-type": "count", "data": 41}', '{"@data-type": "boolean", "data": "true"}'),
    ERROR_CONTEXT.decodeFailed,
  ],
  [
    "bad address",
    frameWith('{"@data-type": "count", "data": 41}', '{"@data-type": "address", "data": "1.2.3"}'),
    ERROR_CONTEXT.decodeFailed,
  ],
  [
    "bad port",
    frameWith('{"@data-type": "count", "data": 41}', '{"@data-type": "port", "data": "80/xyz"}'),
    ERROR_CONTEXT.decodeFailed,
  ],
  [
    "bad timespan",
    frameWith(
      '{"@data-type": "count", "data": 41}',
      '{"@data-type": "timespan", "data": "5 parsecs"}',
    ),
    ERROR_CONTEXT.decodeFailed,
  ],
  [
    "table entry without value",
    frameWith(
      '{"@data-type": "count", "data": 41}',
      '{"@data-type": "table", "data": [{"key": {"@data-type": "count", "data": 1}}]}',
    ),
    ERROR_CONTEXT.decodeFailed,
  ],
  [
    "nesting too deep",
    `{"topic":"t",${'"@data-type":"vector","data":[{'.repeat(80)}"@data-type":"count","data":1${
      "}]".repeat(80)
    }}`,
    ERROR_CONTEXT.decodeFailed,
  ],
  ["missing topic", '{"type":"data-message","@data-type":"count","data":1}', ERROR_CONTEXT.noTopic],
  ["numeric topic", frameWith('"topic": "zeek.test.ping"', '"topic": 7'), ERROR_CONTEXT.noTopic],
  ["null topic", frameWith('"topic": "zeek.test.ping"', '"topic": null'), ERROR_CONTEXT.noTopic],
  [
    "topic too long",
    frameWith('"topic": "zeek.test.ping"', `"topic": "${"t".repeat(65)}"`),
    ERROR_CONTEXT.topicTooLong,
  ],
  [
    "not a vector",
    '{"type":"data-message","topic":"t","@data-type":"count","data":1}',
    ERROR_CONTEXT.eventFailed,
  ],
  [
    "vector of two",
    '{"topic":"t","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1}]}',
    ERROR_CONTEXT.eventFailed,
  ],
  [
    "format version 2",
    frameWith('[{"@data-type": "count", "data": 1}', '[{"@data-type": "count", "data": 2}'),
    ERROR_CONTEXT.eventFailed,
  ],
  [
    "message type 2",
    frameWith(
      '{"@data-type": "count", "data": 1}, {"@data-type": "vector"',
      '{"@data-type": "count", "data": 2}, {"@data-type": "vector"',
    ),
    ERROR_CONTEXT.eventFailed,
  ],
  [
    "name not a string",
    frameWith('{"@data-type": "string", "data": "ping"}', '{"@data-type": "count", "data": 3}'),
    ERROR_CONTEXT.eventFailed,
  ],
  [
    "args not a vector",
    frameWith(
      '{"@data-type": "vector", "data": [{"@data-type": "string", "data": "hi"}',
      '{"@data-type": "set", "data": [{"@data-type": "string", "data": "hi"}',
    ),
    ERROR_CONTEXT.eventFailed,
  ],
  ["unknown event", pyDataMessage("no_such_event", []), ERROR_CONTEXT.eventFailed],
  [
    "wrong arity",
    pyDataMessage("ping", [{ "@data-type": "string", data: "x" }]),
    ERROR_CONTEXT.eventFailed,
  ],
  [
    "wrong argument type",
    pyDataMessage("ping", [{ "@data-type": "count", data: 1 }, { "@data-type": "count", data: 2 }]),
    ERROR_CONTEXT.eventFailed,
  ],
  [
    "integer for count",
    frameWith('{"@data-type": "count", "data": 41}', '{"@data-type": "integer", "data": 41}'),
    ERROR_CONTEXT.eventFailed,
  ],
];

Deno.test("WebSocketSession answers malformed data messages as Zeek and keeps going", async () => {
  assert.ok(BAD_FIRST.length + BAD_DATA.length >= 30);
  for (const [name, frame, context] of BAD_DATA) {
    const { session, socket, cluster, stats } = await acked({ maxTopicBytes: 64 });
    session.handleMessage(frame);
    assert.deepEqual(socket.json().slice(1), [{
      type: "error",
      code: "deserialization_failed",
      context,
    }], name);
    assert.equal(cluster.published.length, 0, name);
    assert.equal(stats.errors.deserialization_failed, 1, name);
    // The connection stays usable.
    session.handleMessage(PING);
    assert.equal(cluster.published.length, 1, name);
    assert.deepEqual(socket.closes, [], name);
    await session[Symbol.asyncDispose]();
  }
});

Deno.test("WebSocketSession publishes binary data frames like text ones", async () => {
  const { session, cluster } = await acked();
  session.handleMessage(new TextEncoder().encode(PING));
  session.handleMessage(new TextEncoder().encode(PING).buffer);
  assert.equal(cluster.published.length, 2);
  await session[Symbol.asyncDispose]();
});

Deno.test("WebSocketSession closes with 1009 on a frame over maxMessageBytes", async () => {
  for (const stage of ["first", "data"]) {
    const s = stage === "first"
      ? start({ maxMessageBytes: 1000 })
      : await acked({ maxMessageBytes: 1000 });
    s.session.handleMessage(`["${"x".repeat(2000)}"]`);
    assert.deepEqual(await s.session.closed, { code: 1009, reason: "Message too big" });
    assert.equal(s.stats.oversizedMessages, 1);
    assert.equal(s.cluster.subscriptions.size, 0);
  }
});

Deno.test("WebSocketSession subscribes, acks after whenReady, then runs pipelined messages in order", async () => {
  const added: string[][] = [];
  const cluster = new FakeCluster();
  cluster.autoReady = false;
  const { session, socket } = start(
    { onAdded: (_info, topics) => added.push([...topics]) },
    undefined,
    cluster,
  );
  session.handleMessage('["zeek.b", "zeek.a", "zeek.b"]');
  session.handleMessage(
    pyDataMessage("ping", [{ "@data-type": "string", data: "1" }, {
      "@data-type": "count",
      data: 1,
    }]),
  );
  session.handleMessage("garbage");
  session.handleMessage(
    pyDataMessage("ping", [{ "@data-type": "string", data: "2" }, {
      "@data-type": "count",
      data: 2,
    }]),
  );
  await settle();
  assert.equal(session.state, "subscribing");
  assert.deepEqual([...cluster.subscriptions.keys()], ["zeek.a", "zeek.b"]);
  assert.deepEqual(socket.sent, []);
  // Events that arrive before the ack are discarded.
  assert.equal(session.matches("zeek.a.x", "other"), true);
  assert.equal(session.deliver("early"), false);
  cluster.ready();
  await settle();
  assert.deepEqual(added, [["zeek.a", "zeek.b"]]);
  assert.deepEqual(socket.json().map((m) => m.type), ["ack", "error"]);
  assert.deepEqual(cluster.published.map((p) => p.event.args[0]), ["1", "2"]);
});

Deno.test("WebSocketSession never matches its own events and matches by prefix", async () => {
  const { session } = await acked({}, ["zeek.test.", ""]);
  assert.equal(session.matches("anything", session.info.id), false);
  assert.equal(session.matches("anything", "other-node"), true);
  await session[Symbol.asyncDispose]();
  const narrow = await acked({}, ["zeek.test."]);
  assert.equal(narrow.session.matches("zeek.test.pong", "n"), true);
  assert.equal(narrow.session.matches("zeek.other", "n"), false);
  await narrow.session[Symbol.asyncDispose]();
});

Deno.test("WebSocketSession drops its subscriptions when the client goes", async () => {
  const lost: [number, string][] = [];
  const cluster = new FakeCluster();
  cluster.subscribe("zeek.test.pong"); // The node's own, shared subscription.
  const { session } = start(
    { onLost: (_i, code, reason) => lost.push([code, reason]) },
    undefined,
    cluster,
  );
  session.handleMessage('["zeek.test.pong", "zeek.mine"]');
  await settle();
  assert.deepEqual(Object.fromEntries(cluster.subscriptions), {
    "zeek.test.pong": 2,
    "zeek.mine": 1,
  });
  session.handleClose(1000, "bye");
  session.handleClose(1005, ""); // Deno may report twice.
  assert.deepEqual(Object.fromEntries(cluster.subscriptions), { "zeek.test.pong": 1 });
  assert.deepEqual(lost, [[1000, "bye"]]);
  assert.deepEqual(await session.closed, { code: 1000, reason: "bye" });
});

Deno.test("WebSocketSession handles an early close before and during subscribing", async () => {
  const early = start();
  early.session.handleClose(1001, "");
  assert.equal(early.session.state, "closed");
  assert.equal(early.stats.connected, 0);
  const cluster = new FakeCluster();
  cluster.autoReady = false;
  const mid = start({}, undefined, cluster);
  mid.session.handleMessage('["zeek.x"]');
  mid.session.handleClose(1006, "");
  assert.equal(cluster.lastSignal?.aborted, true);
  cluster.ready();
  await settle();
  assert.deepEqual(mid.socket.sent, []);
  assert.equal(cluster.subscriptions.size, 0);
  mid.session.handleMessage(PING);
  assert.equal(cluster.published.length, 0);
});

Deno.test("WebSocketSession closes 1011 when subscribing fails", async () => {
  const failing = new FakeCluster();
  failing.failSubscribe = true;
  const a = start({}, undefined, failing);
  a.session.handleMessage('["zeek.x"]');
  assert.deepEqual(await a.session.closed, { code: 1011, reason: CLOSE.subscribeFailed });
  const rejecting = new FakeCluster();
  rejecting.autoReady = false;
  const b = start({}, undefined, rejecting);
  b.session.handleMessage('["zeek.x"]');
  rejecting.ready(new Error("Transport closed"));
  assert.deepEqual(await b.session.closed, { code: 1011, reason: CLOSE.subscribeFailed });
  assert.equal(rejecting.subscriptions.size, 0);
});

Deno.test("WebSocketSession closes 1008 after maxPendingMessages frames before the ack", async () => {
  const cluster = new FakeCluster();
  cluster.autoReady = false;
  const { session, stats } = start({ maxPendingMessages: 3 }, undefined, cluster);
  session.handleMessage("[]");
  for (let i = 0; i < 4; i++) session.handleMessage(PING);
  assert.deepEqual(await session.closed, { code: 1008, reason: CLOSE.tooManyPending });
  assert.equal(stats.pendingOverflows, 1);
});

Deno.test("WebSocketSession counts publish failures", async () => {
  const { session, cluster, stats } = await acked();
  cluster.publishResult = false;
  session.handleMessage(PING);
  assert.equal(stats.publishFailures, 1);
  assert.equal(stats.eventsPublished, 0);
  await session[Symbol.asyncDispose]();
});

Deno.test("WebSocketSession queues behind a backlogged socket and flushes in order", async () => {
  const { session, socket, timers, stats } = await acked({ sendHighWaterBytes: 100 });
  socket.bufferedAmount = 100;
  for (let i = 0; i < 5; i++) assert.equal(session.deliver(`m${i}`), true);
  assert.equal(session.queued, 5);
  timers.advance(50);
  assert.equal(session.queued, 5);
  socket.bufferedAmount = 0;
  timers.advance(10);
  assert.deepEqual(socket.sent.slice(1), ["m0", "m1", "m2", "m3", "m4"]);
  assert.equal(stats.eventsDelivered, 5);
  assert.equal(timers.pending, 0);
  await session[Symbol.asyncDispose]();
});

Deno.test("WebSocketSession disconnects a client whose queue overflows (default policy)", async () => {
  const { session, socket, stats } = await acked({
    maxOutboundQueueSize: 3,
    sendHighWaterBytes: 10,
  });
  socket.bufferedAmount = 10;
  for (let i = 0; i < 3; i++) assert.equal(session.deliver(`m${i}`), true);
  assert.equal(session.deliver("m3"), false);
  assert.deepEqual(socket.json().slice(1), [{
    type: "error",
    code: "backpressure_overflow",
    context: "outbound queue full",
  }]);
  assert.deepEqual(await session.closed, { code: 1008, reason: "Backpressure overflow" });
  assert.equal(stats.overflows, 1);
});

Deno.test("WebSocketSession drop_oldest and drop_newest keep the connection", async () => {
  for (
    const [policy, kept] of [["drop_oldest", ["m1", "m2", "m3"]], ["drop_newest", [
      "m0",
      "m1",
      "m2",
    ]]] as const
  ) {
    const { session, socket, stats, timers } = await acked({
      maxOutboundQueueSize: 3,
      sendHighWaterBytes: 10,
      overflowPolicy: policy,
    });
    socket.bufferedAmount = 10;
    for (let i = 0; i < 4; i++) session.deliver(`m${i}`);
    socket.bufferedAmount = 0;
    timers.advance(10);
    assert.deepEqual(socket.sent.slice(1), kept, policy);
    assert.equal(stats.overflows, 1);
    assert.equal(session.state, "ready");
    await session[Symbol.asyncDispose]();
  }
});

Deno.test("WebSocketSession pings and closes 1011 'Ping timeout' without a pong", async () => {
  const socket = new PingSocket();
  const { session, timers } = start({ pingIntervalMs: 1000 }, socket);
  timers.advance(1000);
  assert.equal(socket.pings, 1);
  session.handlePong();
  timers.advance(1000);
  assert.equal(socket.pings, 2);
  timers.advance(1000);
  assert.deepEqual(socket.closes, [{ code: 1011, reason: "Ping timeout" }]);
  assert.deepEqual(await session.closed, { code: 1011, reason: "Ping timeout" });
  assert.equal(timers.pending, 0);
});

Deno.test("WebSocketSession reports Deno's idle-timeout close as 1011 'Ping timeout'", async () => {
  const lost: [number, string][] = [];
  const { session } = start({ onLost: (_i, code, reason) => lost.push([code, reason]) });
  session.handleClose(1001, "No response from ping frame.");
  assert.deepEqual(lost, [[1011, "Ping timeout"]]);
  assert.deepEqual(await session.closed, { code: 1011, reason: "Ping timeout" });
});

Deno.test("WebSocketSession disposes with 1001 'Terminating'", async () => {
  const { session, socket, cluster } = await acked();
  await session[Symbol.asyncDispose]();
  await session[Symbol.asyncDispose]();
  assert.deepEqual(socket.closes, [{ code: 1001, reason: "Terminating" }]);
  assert.equal(cluster.subscriptions.size, 0);
});

/** A logger that records every line with its level. */
function recordingLogger() {
  const lines: [level: string, message: string][] = [];
  const at = (level: string) => (message: string) => void lines.push([level, message]);
  return {
    lines,
    logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
  };
}

Deno.test("WebSocketSession sends the ack before anything the client-added hook publishes (issue 17, item 1)", async () => {
  const cluster = new FakeCluster();
  const socket = new FakeSocket();
  const order: string[] = [];
  const { session } = start(
    {
      onAdded: (info) => {
        order.push("hook");
        // What a hook's publish to the client's topic becomes: a delivery through fan-out.
        const frame = encodeDataMessage("zeek.test.pong", {
          name: "Site::welcome",
          args: [info.id],
        });
        assert.equal(session.deliver(frame), true);
      },
    },
    socket,
    cluster,
  );
  session.handleMessage('["zeek.test.pong"]');
  await settle();
  assert.deepEqual(order, ["hook"]);
  assert.deepEqual(socket.json().map((m) => m.type), ["ack", "data-message"]);
  await session[Symbol.asyncDispose]();
});

Deno.test("WebSocketSession writes Zeek's cluster.log lines for added and lost clients (item 2)", async () => {
  const log: string[] = [];
  const id = `${CAPTURE_NODE_ID}-websocket-0`;
  const named = start({
    applicationName: "super-duper-app",
    address: "127.0.0.1",
    port: 40001,
    clusterLog: (m) => void log.push(m),
  });
  named.session.handleMessage('["/topic/ws/all", "/topic/ws/1"]');
  await settle();
  named.session.handleClose(1000, "");
  await named.session.closed;
  const plain = start({ address: "::1", port: 40002, clusterLog: (m) => void log.push(m) });
  plain.session.handleMessage("[]");
  await settle();
  plain.session.handleClose(1011, "Ping timeout");
  await plain.session.closed;
  assert.deepEqual(log, [
    `WebSocket client '${id}' (127.0.0.1:40001) application_name=super-duper-app subscribed to [/topic/ws/1, /topic/ws/all]`,
    `WebSocket client '${id}' (127.0.0.1:40001) application_name=super-duper-app gone with code 1000`,
    `WebSocket client '${id}' (::1:40002) subscribed to []`,
    `WebSocket client '${id}' (::1:40002) gone with code 1011 and reason 'Ping timeout'`,
  ]);
});

Deno.test("WebSocketSession raises client-lost only for clients Zeek admits (item 3)", async () => {
  const lost: string[] = [];
  const log: string[] = [];
  const hooks = {
    onLost: (info: { id: string }) => void lost.push(info.id),
    clusterLog: (m: string) => void log.push(m),
  };
  // Refused at the handshake: Zeek never made a backend for them, so it raises nothing.
  const uri = start({ ...hooks, id: "uri", path: "/v1/messages/bin" });
  await uri.session.closed;
  const app = start({ ...hooks, id: "app", applicationName: "bad name" });
  await app.session.closed;
  // A bad first message: Zeek has made the backend, so websocket_client_lost is raised.
  const first = start({ ...hooks, id: "first" });
  first.session.handleMessage("[1]");
  first.session.handleClose(1000, "");
  await first.session.closed;
  // Shutdown: Zeek's loop has stopped; no event per client.
  const shut = start({ ...hooks, id: "shut" });
  shut.session.handleMessage("[]");
  await settle();
  await shut.session[Symbol.asyncDispose]();
  assert.deepEqual(lost, ["first"]);
  assert.deepEqual(log, [
    "WebSocket client 'first' (:0) gone with code 1000",
    "WebSocket client 'shut' (:0) subscribed to []",
  ]);
});

Deno.test("WebSocketSession reports a connection dropped without a close frame as 1006 (item 6)", async () => {
  const lost: number[] = [];
  const { session } = await acked({ onLost: (_i, code) => void lost.push(code) });
  session.handleClose(0, "");
  assert.deepEqual(await session.closed, { code: 1006, reason: "" });
  assert.deepEqual(lost, [1006]);
});

Deno.test("WebSocketSession checks events against the cluster's declarations; undeclared ones by policy (item 4)", async () => {
  class DeclaringCluster extends FakeCluster {
    signatureOf(name: string) {
      return name === "Site::hello" ? (["string"] as const) : undefined;
    }
  }
  const frame = (name: string, args: unknown[]) => pyDataMessage(name, args);
  for (const undeclaredEvents of [undefined, "refuse", "accept"] as const) {
    const cluster = new DeclaringCluster();
    const { session, socket } = start(
      { signatures: {}, ...(undeclaredEvents ? { undeclaredEvents } : {}) },
      undefined,
      cluster,
    );
    session.handleMessage("[]");
    await settle();
    session.handleMessage(frame("Site::hello", [{ "@data-type": "string", data: "hi" }]));
    session.handleMessage(frame("Site::hello", [])); // wrong arity
    session.handleMessage(frame("Site::hello", [{ "@data-type": "count", data: 1 }])); // wrong type
    session.handleMessage(frame("Site::unknown", []));
    const errors = socket.json().filter((m) => m.type === "error").map((m) => m.context);
    const accepted = undeclaredEvents === "accept";
    assert.deepEqual(
      cluster.published.map((p) => p.event.name),
      accepted ? ["Site::hello", "Site::unknown"] : ["Site::hello"],
      String(undeclaredEvents),
    );
    assert.deepEqual(errors, Array(accepted ? 2 : 3).fill(ERROR_CONTEXT.eventFailed));
    await session[Symbol.asyncDispose]();
  }
});

Deno.test("WebSocketSession keeps a slow reader past Zeek's max_event_queue_size; logs an overflow when it happens (item 7)", async () => {
  const { lines, logger } = recordingLogger();
  const { session, socket, stats } = await acked({
    maxEventQueueSize: 1,
    maxOutboundQueueSize: 4,
    sendHighWaterBytes: 10,
    logger,
  });
  socket.session = undefined; // The close does not complete on its own.
  socket.bufferedAmount = 10;
  for (let i = 0; i < 4; i++) assert.equal(session.deliver(`m${i}`), true);
  assert.equal(session.state, "ready"); // 4 frames behind, far past max_event_queue_size 1
  assert.equal(session.queued, 4);
  assert.deepEqual(lines.filter(([level]) => level === "warn"), []);
  assert.equal(session.deliver("m4"), false);
  assert.equal(stats.overflows, 1);
  assert.equal(session.state, "closing");
  const warned = lines.filter(([level]) => level === "warn").map(([, m]) => m);
  assert.equal(warned.length, 1);
  assert.match(
    warned[0]!,
    /outbound queue is full \(4 frames, 8 bytes; bounds 4 frames, 16777216 bytes\); closing it with 1008 'Backpressure overflow'/,
  );
  session.handleClose(1008, "Backpressure overflow");
  await session.closed;
});

Deno.test("WebSocketSession bounds the outbound queue in bytes too", async () => {
  const { session, socket } = await acked({ maxOutboundQueueBytes: 10, sendHighWaterBytes: 1 });
  socket.bufferedAmount = 1;
  assert.equal(session.deliver("12345"), true);
  assert.equal(session.deliver("67890"), true);
  assert.equal(session.deliver("x"), false);
  assert.deepEqual(await session.closed, { code: 1008, reason: "Backpressure overflow" });
});
