import assert from "node:assert/strict";
import {
  broadcastTopics,
  nodeidFromTopic,
  nodeidTopic,
  nodeTopic,
  poolTopic,
  typeTopic,
} from "./topics.ts";
import { topicMatches } from "./prefix_match.ts";

Deno.test("nodeTopic() and nodeidTopic() use Zeek 8.x strings with a trailing dot", () => {
  assert.equal(nodeTopic("worker-1"), "zeek.cluster.node.worker-1.");
  assert.equal(
    nodeidTopic("zeromq_manager_host_4100_NaBcDeFgHiJ1"),
    "zeek.cluster.nodeid.zeromq_manager_host_4100_NaBcDeFgHiJ1.",
  );
  // The wire spec's worked example (iii): 59 topic bytes.
  assert.equal(nodeidTopic("zeromq_worker-1_host_4242_NrFj3eGxkRR5").length, 59);
});

Deno.test("nodeTopic() of worker-1 does not prefix-match worker-10", () => {
  assert.equal(topicMatches(nodeTopic("worker-10"), nodeTopic("worker-1")), false);
  assert.equal(topicMatches(nodeTopic("worker-1"), nodeTopic("worker-1")), true);
});

Deno.test("nodeidFromTopic() strips the prefix and the last character", () => {
  assert.equal(nodeidFromTopic("zeek.cluster.nodeid.abc."), "abc");
  assert.equal(nodeidFromTopic("zeek.cluster.node.abc."), undefined);
  assert.equal(nodeidFromTopic("zeek.cluster.nodeid."), undefined);
});

Deno.test("typeTopic(), poolTopic() and broadcastTopics() match Zeek's ZeroMQ values", () => {
  assert.equal(typeTopic("WORKER"), "zeek.cluster.worker");
  assert.equal(typeTopic("MANAGER"), "zeek.cluster.manager");
  assert.equal(typeTopic("NONE"), undefined);
  assert.equal(poolTopic("PROXY"), "zeek.cluster.pool.proxy");
  assert.equal(poolTopic("MANAGER"), undefined);
  assert.deepEqual(broadcastTopics(), [
    "zeek.cluster.logger",
    "zeek.cluster.manager",
    "zeek.cluster.proxy",
    "zeek.cluster.worker",
  ]);
});

Deno.test("nodeTopic() follows a custom prefix", () => {
  const options = {
    nodeTopicPrefix: "site.node",
    nodeidTopicPrefix: "site.id",
    managerTopic: "m",
    loggerTopic: "l",
    proxyTopic: "p",
    workerTopic: "w",
  };
  assert.equal(nodeTopic("w1", options), "site.node.w1.");
  assert.equal(nodeidFromTopic("site.id.x1.", options), "x1");
});
