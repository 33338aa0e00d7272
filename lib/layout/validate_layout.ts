/**
 * The one validator behind {@link parseLayout} and {@link defineLayout}.
 *
 * @module
 */
import { LayoutError } from "../errors.ts";
import { canonicalIp } from "../net/ip.ts";
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
  for (const field of ["zoneId", "manager", "id"] as const) {
    const value = record[field];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      problems.push(
        `node "${name}": field "${field}" must be a non-empty string, got ${describe(value)}`,
      );
    }
  }
}

function checkClashes(problems: string[], layout: Record<string, ClusterNode>): void {
  const seen = new Map<string, string>();
  for (const [name, node] of Object.entries(layout)) {
    const ip = canonicalIp(node.ip);
    if (ip === undefined) continue;
    const endpoints: [string, unknown][] = [["p", node.p], ["metricsPort", node.metricsPort]];
    for (const [field, port] of endpoints) {
      if (typeof port !== "number") continue;
      const key = `${ip}|${port}`;
      const owner = seen.get(key);
      if (owner !== undefined) {
        problems.push(
          `node "${name}": field "${field}" ${node.ip}:${port} is already used by ${owner}`,
        );
      } else {
        seen.set(key, `node "${name}" field "${field}"`);
      }
    }
  }
}

function checkManagers(problems: string[], layout: Record<string, ClusterNode>): void {
  const managers = Object.entries(layout).filter(([, n]) => n.nodeType === "MANAGER");
  if (managers.length === 0) problems.push(`no node has nodeType "MANAGER" (one is required)`);
  if (managers.length > 1) {
    problems.push(
      `more than one MANAGER node (${
        managers.map(([n]) => `"${n}"`).join(", ")
      }): exactly one is allowed`,
    );
  }
  for (const [name, node] of Object.entries(layout)) {
    if (node.manager === undefined || typeof node.manager !== "string") continue;
    const target = layout[node.manager];
    if (target === undefined) {
      problems.push(`node "${name}": field "manager" names unknown node "${node.manager}"`);
    } else if (target.nodeType !== "MANAGER") {
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
  for (const [name, node] of entries) {
    if (!NAME_PATTERN.test(name)) {
      problems.push(
        `node name ${
          JSON.stringify(name)
        } is invalid: it must be a non-empty string of letters, digits and . _ : @ - (starting with a letter or digit)`,
      );
      continue;
    }
    checkNode(problems, name, node);
  }
  if (problems.length > 0) return problems;
  const layout = input as Record<string, ClusterNode>;
  checkManagers(problems, layout);
  checkClashes(problems, layout);
  return problems;
}

/**
 * Validates a layout, throwing a {@link LayoutError} listing every problem.
 *
 * @param input Anything: parsed JSON or a TypeScript object.
 * @returns The same object, typed as a layout and frozen.
 * @throws {LayoutError} When the layout is invalid.
 */
export function validateLayout(input: unknown): ClusterLayout {
  const problems = layoutProblems(input);
  if (problems.length > 0) throw new LayoutError(problems);
  const layout = input as Record<string, ClusterNode>;
  const copy: Record<string, ClusterNode> = {};
  for (const [name, node] of Object.entries(layout)) copy[name] = Object.freeze({ ...node });
  return Object.freeze(copy);
}
