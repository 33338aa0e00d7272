/**
 * A peer whose hellos reach the others after its departure, the order a node sees when a worker
 * exits right after saying hello and its unsubscription (XPUB path) overtakes its hellos (XSUB
 * path). Made deterministic: it subscribes to its nodeid topic, waits until it saw `PEERS` other
 * nodeids, unsubscribes, waits, and only then publishes `ZeroMQ::hello` and `Cluster::hello` to
 * each of them, and exits. No node may ever count it as up.
 *
 * Usage: `_late_hello_peer.ts NAME PROXY_XPUB PROXY_XSUB PEERS`
 */
import { makeNodeId } from "../../lib/membership/node_id.ts";
import { CLUSTER_HELLO, ZEROMQ_HELLO } from "../../lib/membership/membership.ts";
import { createEventSerializer } from "../../lib/serialization/event.ts";
import { nodeidFromTopic, nodeidTopic } from "../../lib/topics/topics.ts";
import { createZeromqTransport } from "../../lib/transport/zeromq/mod.ts";

const [name, proxyXpub, proxyXsub, peerCount] = Deno.args as [string, string, string, string];
const id = makeNodeId({ node: name, host: Deno.hostname(), pid: Deno.pid });
const serializer = createEventSerializer("broker-bin-v1");
const peers = new Set<string>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await using transport = await createZeromqTransport({
  onMessage() {},
  onSubscription(ev) {
    const peer = nodeidFromTopic(ev.topic);
    if (ev.type === "subscribed" && peer !== undefined && peer !== id) peers.add(peer);
  },
  onLog() {},
  onError() {},
}, {
  connectXsubEndpoint: proxyXpub,
  connectXpubEndpoint: proxyXsub,
  connectLogEndpoints: [],
  heartbeatIntervalMs: 0,
});
transport.subscribe(nodeidTopic(id));
const deadline = Date.now() + 20_000;
while (peers.size < Number(peerCount) && Date.now() < deadline) await sleep(20);
// Let every node see the subscription, then take it back before saying anything.
await sleep(200);
transport.unsubscribe(nodeidTopic(id));
await sleep(300);
for (const peer of peers) {
  for (const event of [ZEROMQ_HELLO, CLUSTER_HELLO]) {
    transport.publish({
      topic: nodeidTopic(peer),
      sender: id,
      format: serializer.format,
      payload: serializer.encode({ name: event, args: [name, id] }),
    });
  }
}
await sleep(200);
console.log(`${name} (${id}) said hello to ${peers.size} nodes after leaving`);
