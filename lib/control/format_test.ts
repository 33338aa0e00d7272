import assert from "node:assert/strict";
import { ControlTimeoutError } from "../errors.ts";
import {
  formatNetStats,
  formatPeerStatus,
  formatPrint,
  formatStatus,
  formatStop,
  formatTable,
  formatUptime,
} from "./format.ts";

Deno.test("formatTable() aligns columns and trims trailing spaces", () => {
  assert.equal(formatTable(["A", "Bee"], [["xx", "y"], ["z", ""]]), "A   Bee\nxx  y\nz\n");
});

Deno.test("formatUptime() picks the largest units", () => {
  assert.equal(formatUptime(42.9), "42s");
  assert.equal(formatUptime(307), "5m07s");
  assert.equal(formatUptime(3723), "1h02m03s");
  assert.equal(formatUptime(3 * 86400 + 4 * 3600 + 5 * 60), "3d04h05m");
});

Deno.test("formatStatus() writes one row per node, with dashes for unknowns", () => {
  const text = formatStatus([
    {
      node: "worker-1",
      type: "WORKER",
      host: "10.0.0.2",
      up: true,
      id: "zeromq_w1",
      uptimeS: 65,
      eventsInPerS: 12.345,
      eventsOutPerS: 1234.5,
      logWrites: 7,
      drops: 0,
    },
    { node: "worker-2", type: "WORKER", host: "10.0.0.3", up: false },
  ]);
  const [header, w1, w2] = text.trimEnd().split("\n");
  assert.match(header!, /^Name\s+Type\s+Host\s+Status\s+Id\s+Uptime\s+Ev-in\/s\s+Ev-out\/s/);
  assert.deepEqual(w1!.split(/\s+/), [
    "worker-1",
    "worker",
    "10.0.0.2",
    "running",
    "zeromq_w1",
    "1m05s",
    "12.3",
    "1235",
    "7",
    "0",
  ]);
  assert.deepEqual(w2!.split(/\s+/), [
    "worker-2",
    "worker",
    "10.0.0.3",
    "stopped",
    "-",
    "-",
    "-",
    "-",
    "-",
    "-",
  ]);
});

Deno.test("formatPeerStatus() and formatNetStats() print per node like zeekctl", () => {
  const replies = [
    { node: "manager", ok: true as const, id: "m", value: "1.000000 peer=w host=h status=up\n" },
    { node: "worker-10", ok: true as const, id: "w", value: "" },
    { node: "w2", ok: false as const, error: new ControlTimeoutError("No answer") },
  ];
  assert.equal(
    formatPeerStatus(replies),
    "manager\n1.000000 peer=w host=h status=up\nworker-10\n(no peers)\nw2\nerror: No answer\n",
  );
  assert.equal(
    formatNetStats(replies),
    "  manager: 1.000000 peer=w host=h status=up\nworker-10: \n       w2: error: No answer\n",
  );
});

Deno.test("formatPrint() and formatStop() write one line per node", () => {
  assert.equal(
    formatPrint("worker-1", "retryIntervalMs", "1000"),
    "worker-1  retryIntervalMs = 1000\n",
  );
  assert.equal(
    formatStop([
      { node: "worker-1", state: "stopped", id: "x" },
      { node: "manager", state: "confirmed", id: "y" },
      { node: "w2", state: "no_answer", error: new ControlTimeoutError("No reply") },
    ]),
    "Name      Result\nworker-1  stopped\nmanager   stopping (confirmed)\nw2        no answer: No reply\n",
  );
});
