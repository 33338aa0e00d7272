/**
 * The site of the Zeek log replay suite's loggers: a logger that writes only what arrives in
 * batches. Its own `cluster.log` records are dropped, as the Zeek 8.2.2 loggers that wrote the
 * expected files dropped theirs (`testdata/zeek-8.2.2/zeek-logs/README.md`, "Loggers").
 */
import { runMain } from "../../main.ts";

await runMain(Deno.args, {
  setup(node) {
    node.log.addPolicy("Cluster::LOG", () => false);
  },
});
