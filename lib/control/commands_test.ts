import assert from "node:assert/strict";
import {
  CONTROL_COMMANDS,
  netStatsText,
  parseNetStats,
  parseResponseTopic,
  peerStatusText,
  REQUEST_EVENTS,
  RESPONSE_EVENTS,
  responseTopic,
} from "./commands.ts";

Deno.test("REQUEST_EVENTS and RESPONSE_EVENTS use Zeek's Control:: event names", () => {
  for (const command of CONTROL_COMMANDS) {
    assert.equal(REQUEST_EVENTS[command], `Control::${command}_request`);
    assert.equal(RESPONSE_EVENTS[command], `Control::${command}_response`);
  }
});

Deno.test("responseTopic() and parseResponseTopic() round-trip zeek/control reply topics", () => {
  assert.equal(responseTopic("net_stats", "worker-1"), "zeek/control/net_stats_response/worker-1");
  assert.deepEqual(parseResponseTopic("zeek/control/shutdown_response/manager"), {
    command: "shutdown",
    node: "manager",
  });
  assert.equal(parseResponseTopic("zeek/control/bogus_response/manager"), undefined);
  assert.equal(parseResponseTopic("zeek/control/id_value_response/"), undefined);
  assert.equal(parseResponseTopic("zeek.cluster.node.manager."), undefined);
});

Deno.test("peerStatusText() writes Zeek's peer line per peer", () => {
  assert.equal(peerStatusText([]), "");
  assert.equal(
    peerStatusText([{ ts: 1.5, peer: "zeromq_m", host: "10.0.0.1", status: "up", node: "m" }]),
    "1.500000 peer=zeromq_m host=10.0.0.1 status=up node=m\n",
  );
});

Deno.test("netStatsText() starts with Zeek's fields and parseNetStats() reads it back", () => {
  const stats = {
    ts: 1700000000.25,
    recvd: 10,
    dropped: 2,
    link: 12,
    eventsIn: 15,
    eventsOut: 7,
    xpubDrops: 1,
    logDrops: 0,
    msgErrors: 3,
    logWrites: 99,
    uptimeS: 12.5,
  };
  const text = netStatsText(stats);
  assert.match(text, /^1700000000\.250000 recvd=10 dropped=2 link=12 /);
  assert.ok(text.endsWith("uptime=12.500\n"));
  assert.deepEqual(parseNetStats(text), stats);
  assert.deepEqual(parseNetStats("1.000000 recvd=1 dropped=0 link=1\n"), {
    ts: 1,
    recvd: 1,
    dropped: 0,
    link: 1,
  });
  assert.throws(() => parseNetStats("recvd=1"), SyntaxError);
});
