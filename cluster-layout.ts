/**
 * The default cluster layout: the twin of Zeek's `cluster-layout.zeek`. A whole cluster on one
 * host: one manager (which runs the XPUB/XSUB proxy on 5555/5556), one logger, one proxy and two
 * workers. Ports follow ZeekControl 8.1+ (nodes from 27762); metrics ports from 9991.
 *
 * Data only: no I/O, no side effects on import.
 *
 * @module
 */
import { defineLayout } from "./lib/layout/define_layout.ts";

/** The default layout used when neither `--layout` nor `CLUSTER_LAYOUT` is given. */
export const layout = defineLayout({
  manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762, metricsPort: 9991 },
  "logger-1": {
    nodeType: "LOGGER",
    ip: "127.0.0.1",
    p: 27763,
    manager: "manager",
    metricsPort: 9992,
  },
  "proxy-1": {
    nodeType: "PROXY",
    ip: "127.0.0.1",
    p: 27764,
    manager: "manager",
    metricsPort: 9993,
  },
  "worker-1": {
    nodeType: "WORKER",
    ip: "127.0.0.1",
    p: 27765,
    manager: "manager",
    metricsPort: 9994,
  },
  "worker-2": {
    nodeType: "WORKER",
    ip: "127.0.0.1",
    p: 27766,
    manager: "manager",
    metricsPort: 9995,
  },
});

export default layout;
