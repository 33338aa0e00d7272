/** Test site: a worker answers `Site::from_python(s)` and `Site::from_deno(s)` with `Site::from_worker(s)` on `site.from_worker`. */
import { runMain } from "../../main.ts";

await runMain(Deno.args, {
  setup(node) {
    for (const name of ["Site::from_python", "Site::from_deno"]) {
      node.cluster.on(name, (arg) => {
        node.cluster.publish(
          "site.from_worker",
          "Site::from_worker",
          `${node.options.node} got ${String(arg)}`,
        );
      });
    }
  },
});
