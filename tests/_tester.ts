/**
 * An in-process node that joins a test cluster (as a CONTROL node named "tester"), to publish
 * events and watch membership from the test itself, through the same code path as real nodes.
 *
 * @module
 */
import { createNode, type RunningNode } from "../lib/node/cluster_node.ts";
import { parseLayout } from "../lib/layout/parse_layout.ts";
import { resolveOptions } from "../lib/options/options.ts";
import type { EventFormat } from "../lib/serialization/event.ts";
import type { TestCluster } from "./_cluster.ts";

/**
 * Starts the tester node of a cluster whose layout has a `tester` CONTROL node.
 *
 * @param cluster The test cluster.
 * @param format Event serializer.
 * @returns The running node.
 */
export async function startTester(
  cluster: TestCluster,
  format: EventFormat = "broker-bin-v1",
): Promise<RunningNode> {
  const layout = parseLayout(cluster.layout);
  const options = resolveOptions({
    layout,
    node: "tester",
    overrides: {
      eventSerializer: format,
      zeromq: {
        connectXsubEndpoint: cluster.proxyXpub,
        connectXpubEndpoint: cluster.proxyXsub,
        runProxyThread: false,
        connectLogEndpoints: [],
        heartbeatIntervalMs: 0,
      },
    },
  });
  return await createNode(options);
}
