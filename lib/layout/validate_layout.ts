/**
 * The one validator behind {@link parseLayout} and {@link defineLayout}.
 *
 * @module
 */
import { LayoutError } from "../errors.ts";
import { canonicalIp } from "../net/ip.ts";
import {
  DEFAULT_PROXY_XPUB_PORT,
  DEFAULT_PROXY_XSUB_PORT,
  isEndpoint,
  tcpEndpoint,
} from "./proxy.ts";
import { type ClusterLayout, type ClusterNode, NODE_FIELDS, NODE_TYPES } from "./types.ts";

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function checkPort(
  problems: string[],
  name: string,
  field: string,
  value: unknown,
  required: boolean,
): void {
  if (value === undefined) {
    if (required) problems.push(`node "${name}": field "${field}" is missing (a port 1-65535)`);
    return;
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
    problems.push(
      `node "${name}": field "${field}" must be a port 1-65535, got ${describe(value)}`,
    );
  }
}

function checkNode(problems: string[], name: string, node: unknown): void {
  if (typeof node !== "object" || node === null || Array.isArray(node)) {
    problems.push(`node "${name}": must be an object, got ${describe(node)}`);
    return;
  }
  const record = node as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(NODE_FIELDS as readonly string[]).includes(key)) {
      problems.push(
        `node "${name}": unknown field "${key}" (known fields: ${NODE_FIELDS.join(", ")})`,
      );
    }
  }
  const type = record.nodeType;
  if (type === undefined) {
    problems.push(`node "${name}": field "nodeType" is missing`);
  } else if (!(NODE_TYPES as readonly unknown[]).includes(type)) {
    problems.push(
      `node "${name}": field "nodeType" must be one of ${NODE_TYPES.join(", ")}, got ${
        describe(type)
      }`,
    );
  }
  if (record.ip === undefined) {
    problems.push(`node "${name}": field "ip" is missing`);
  } else if (typeof record.ip !== "string" || canonicalIp(record.ip) === undefined) {
    problems.push(
      `node "${name}": field "ip" must be an IPv4 or IPv6 address, got ${describe(record.ip)}`,
    );
  }
  checkPort(problems, name, "p", record.p, true);
  checkPort(problems, name, "metricsPort", record.metricsPort, false);
  checkPort(problems, name, "websocketPort", record.websocketPort, false);
  for (const field of ["proxyXpub", "proxyXsub"] as const) {
    const value = record[field];
    if (value === undefined) continue;
    if (type !== undefined && type !== "MANAGER") {
      problems.push(
        `node "${name}": field "${field}" belongs on the MANAGER node (it runs the proxy), not on a ${
          describe(type)
        } node`,
      );
    } else if (typeof value !== "string" || !isEndpoint(value)) {
      problems.push(
        `node "${name}": field "${field}" must be a ZeroMQ endpoint like tcp://10.0.0.1:5555, got ${
          describe(value)
        }`,
      );
    }
  }
  for (const field of ["zoneId", "manager", "id"] as const) {
    const value = record[field];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      problems.push(
        `node "${name}": field "${field}" must be a non-empty string, got ${describe(value)}`,
      );
    }
  }
}

/** Whether a value is a node record whose own fields passed {@link checkNode}. */
type WellFormed = (name: string) => boolean;

function checkClashes(
  problems: string[],
  layout: Record<string, ClusterNode>,
  ok: WellFormed,
): void {
  const seen = new Map<string, string>();
  const claim = (key: string, owner: string, clash: () => string) => {
    const first = seen.get(key);
    if (first !== undefined) problems.push(`${clash()} is already used by ${first}`);
    else seen.set(key, owner);
  };
  // The proxy's ports are known as soon as the manager's ip is, whatever else is wrong with it.
  const managers = Object.entries(layout).filter(([, node]) =>
    typeof node === "object" && node !== null && node.nodeType === "MANAGER" &&
    typeof node.ip === "string" && canonicalIp(node.ip) !== undefined
  );
  const manager = managers.length === 1 ? managers[0] : undefined;
  if (manager) {
    const [mName, mNode] = manager;
    const defaults = { xpub: DEFAULT_PROXY_XPUB_PORT, xsub: DEFAULT_PROXY_XSUB_PORT };
    for (const which of ["xpub", "xsub"] as const) {
      const field = which === "xpub" ? "proxyXpub" : "proxyXsub";
      const given = mNode[field];
      const tcp = given === undefined
        ? { host: canonicalIp(mNode.ip)!, port: defaults[which] }
        : typeof given === "string"
        ? tcpEndpoint(given)
        : undefined;
      if (tcp === undefined) continue;
      // A wildcard bind takes the port on the manager's own addresses.
      const host = tcp.host === "*" ? canonicalIp(mNode.ip)! : tcp.host;
      const what = given === undefined
        ? `the proxy's ${which.toUpperCase()} port (default ${tcp.port}; set "${field}" on node "${mName}" to move it)`
        : `node "${mName}" field "${field}" (the proxy's ${which.toUpperCase()})`;
      claim(`${host}|${tcp.port}`, what, () => `node "${mName}": field "${field}" ${given}`);
    }
  }
  for (const [name, node] of Object.entries(layout)) {
    if (!ok(name)) continue;
    const ip = canonicalIp(node.ip)!;
    const endpoints: [string, number | undefined][] = [
      ["p", node.p],
      ["metricsPort", node.metricsPort],
      ["websocketPort", node.websocketPort],
    ];
    for (const [field, port] of endpoints) {
      if (port === undefined) continue;
      claim(
        `${ip}|${port}`,
        `node "${name}" field "${field}"`,
        () => `node "${name}": field "${field}" ${node.ip}:${port}`,
      );
    }
  }
}

function checkManagers(
  problems: string[],
  layout: Record<string, ClusterNode>,
  ok: WellFormed,
): void {
  // Counted over every node that says MANAGER, well-formed or not: a manager with a bad ip is
  // still the manager (its own problem is reported), not a missing one.
  const managers = Object.entries(layout).filter(([, node]) =>
    typeof node === "object" && node !== null && node.nodeType === "MANAGER"
  );
  if (managers.length === 0) problems.push(`no node has nodeType "MANAGER" (one is required)`);
  if (managers.length > 1) {
    problems.push(
      `more than one MANAGER node (${
        managers.map(([n]) => `"${n}"`).join(", ")
      }): exactly one is allowed`,
    );
  }
  for (const [name, node] of Object.entries(layout)) {
    if (!ok(name) || node.manager === undefined) continue;
    if (!Object.hasOwn(layout, node.manager)) {
      problems.push(`node "${name}": field "manager" names unknown node "${node.manager}"`);
      continue;
    }
    const target = layout[node.manager]!;
    if (ok(node.manager) && target.nodeType !== "MANAGER") {
      problems.push(
        `node "${name}": field "manager" must name a MANAGER node, but "${node.manager}" is a ${target.nodeType}`,
      );
    }
  }
}

/**
 * Validates a layout and returns every problem found, each naming the node and the field.
 *
 * @param input Anything: parsed JSON or a TypeScript object.
 * @returns The list of problems; empty when the layout is valid.
 */
export function layoutProblems(input: unknown): string[] {
  const problems: string[] = [];
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return [`the layout must be an object mapping node names to nodes, got ${describe(input)}`];
  }
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length === 0) return ["the layout is empty: it needs at least a MANAGER node"];
  // Every check runs in one pass: the cross-node checks look only at nodes whose own fields are
  // valid, so one broken node does not hide a wrong manager reference or a port clash elsewhere.
  const wellFormed = new Set<string>();
  for (const [name, node] of entries) {
    if (!NAME_PATTERN.test(name)) {
      problems.push(
        `node name ${
          JSON.stringify(name)
        } is invalid: it must be a non-empty string of letters, digits and . _ : @ - (starting with a letter or digit)`,
      );
      continue;
    }
    const before = problems.length;
    checkNode(problems, name, node);
    if (problems.length === before) wellFormed.add(name);
  }
  const layout = input as Record<string, ClusterNode>;
  const ok = (name: string) => wellFormed.has(name);
  checkManagers(problems, layout, ok);
  checkClashes(problems, layout, ok);
  return problems;
}

/**
 * Validates a layout, throwing a {@link LayoutError} listing every problem.
 *
 * @param input Anything: parsed JSON or a TypeScript object.
 * @returns The same object, typed as a layout and frozen.
 * @throws {LayoutError} When the layout is invalid.
 *
 * @example
 * ```ts
 * import { validateLayout } from "../../mod.ts";
 * const layout = validateLayout({ manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 } });
 * Object.keys(layout); // ["manager"]
 * ```
 */
export function validateLayout(input: unknown): ClusterLayout {
  const problems = layoutProblems(input);
  if (problems.length > 0) throw new LayoutError(problems);
  const layout = input as Record<string, ClusterNode>;
  const copy: Record<string, ClusterNode> = {};
  for (const [name, node] of Object.entries(layout)) copy[name] = Object.freeze({ ...node });
  return Object.freeze(copy);
}
