import assert from "node:assert/strict";
import { parseLayout } from "../layout/parse_layout.ts";
import { resolveOptions } from "../options/options.ts";
import {
  defaultStoreMaster,
  isLogSink,
  nodeRoles,
  nodeTypeOf,
  writesLogsLocally,
} from "./roles.ts";

const WITH_LOGGER = parseLayout({
  manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 2000, metricsPort: 9000 },
  "logger-1": { nodeType: "LOGGER", ip: "127.0.0.1", p: 2001 },
  "proxy-1": { nodeType: "PROXY", ip: "127.0.0.1", p: 2002 },
  "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 2003, metricsPort: 9003 },
});
const NO_LOGGER = parseLayout({
  manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 2000 },
  "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 2003 },
});

const roles = (layout: typeof WITH_LOGGER, node: string) =>
  nodeRoles(resolveOptions({ layout, node }));

Deno.test("nodeRoles(): the manager runs the proxy, serves the pages and hosts store masters", () => {
  assert.deepEqual(roles(WITH_LOGGER, "manager"), {
    nodeType: "MANAGER",
    runsProxy: true,
    writesLogsLocally: false,
    sendsLogs: true,
    pullsLogs: false,
    hostsStoreMasters: true,
    servesServicesJson: true,
    servesStatusPage: true,
  });
});

Deno.test("nodeRoles(): a logger pulls and writes logs, nothing else", () => {
  assert.deepEqual(roles(WITH_LOGGER, "logger-1"), {
    nodeType: "LOGGER",
    runsProxy: false,
    writesLogsLocally: true,
    sendsLogs: false,
    pullsLogs: true,
    hostsStoreMasters: false,
    servesServicesJson: false,
    servesStatusPage: false,
  });
});

Deno.test("nodeRoles(): workers and proxies send their logs; a worker's metrics port serves no pages", () => {
  for (const node of ["worker-1", "proxy-1"]) {
    const r = roles(WITH_LOGGER, node);
    assert.equal(r.sendsLogs, true, node);
    assert.equal(r.writesLogsLocally, false, node);
    assert.equal(r.pullsLogs, false, node);
    assert.equal(r.runsProxy, false, node);
    assert.equal(r.hostsStoreMasters, false, node);
    assert.equal(r.servesServicesJson, false, node);
  }
});

Deno.test("nodeRoles(): without a logger the manager is the logger; without a metrics port, no pages", () => {
  const r = roles(NO_LOGGER, "manager");
  assert.equal(r.writesLogsLocally, true);
  assert.equal(r.pullsLogs, true);
  assert.equal(r.sendsLogs, false);
  assert.equal(r.runsProxy, true);
  assert.equal(r.servesStatusPage, false);
  assert.equal(roles(NO_LOGGER, "worker-1").sendsLogs, true);
});

Deno.test("nodeRoles(): a standalone node writes its own logs and holds every store master", () => {
  const r = roles(NO_LOGGER, "");
  assert.equal(r.nodeType, "NONE");
  assert.equal(r.writesLogsLocally, true);
  assert.equal(r.hostsStoreMasters, true);
  assert.equal(r.runsProxy, false);
  assert.equal(r.pullsLogs, false);
});

Deno.test("nodeRoles(): options override the defaults (proxy thread off, manager not the logger)", () => {
  const off = nodeRoles(resolveOptions({
    layout: NO_LOGGER,
    node: "manager",
    overrides: { managerIsLogger: false, zeromq: { runProxyThread: false } },
  }));
  assert.equal(off.runsProxy, false);
  assert.equal(off.writesLogsLocally, false);
  assert.equal(off.pullsLogs, false);
});

Deno.test("isLogSink(), nodeTypeOf(), writesLogsLocally() and defaultStoreMaster() on plain input", () => {
  assert.equal(isLogSink("LOGGER", false), true);
  assert.equal(isLogSink("MANAGER", false), false);
  assert.equal(isLogSink("WORKER", true), false);
  assert.equal(nodeTypeOf({ node: "nobody", layout: NO_LOGGER }), "NONE");
  assert.equal(
    writesLogsLocally({ node: "manager", layout: NO_LOGGER, managerIsLogger: false }),
    false,
  );
  assert.equal(defaultStoreMaster(WITH_LOGGER), "manager");
  assert.equal(
    defaultStoreMaster({ "logger-1": { nodeType: "LOGGER", ip: "127.0.0.1", p: 1 } }),
    undefined,
  );
});
