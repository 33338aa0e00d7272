/**
 * The chaos suite's network: one namespace per host plus a hub namespace holding a bridge, all
 * named `zc-<run id>-<host>`, joined by veth pairs created inside those namespaces (the root
 * namespace's interfaces and routes are never touched). Addresses come only from 198.18.0.0/15
 * (RFC 2544, reserved for network benchmarks); the namespaces have no default route, so no packet
 * can leave them.
 *
 * @module
 */

/** Every namespace of the suite starts with this. */
export const NS_PREFIX = "zc-";
/** The /24 used inside the namespaces (part of 198.18.0.0/15). */
export const SUBNET_PREFIX = "198.18.0.";
/** Hosts of the simulated cluster. */
export const HOSTS = ["mgr", "log", "w1", "w2", "ctl"] as const;
/** One of {@link HOSTS}. */
export type HostName = typeof HOSTS[number];

/** Host addresses (`ctl` runs the suite itself, the fuzzers and the WebSocket clients). */
export const HOST_IPS: Readonly<Record<HostName, string>> = Object.freeze({
  mgr: `${SUBNET_PREFIX}1`,
  log: `${SUBNET_PREFIX}2`,
  w1: `${SUBNET_PREFIX}3`,
  w2: `${SUBNET_PREFIX}4`,
  ctl: `${SUBNET_PREFIX}10`,
});

/** The namespaces of one run. */
export interface Topology {
  /** `zc-<run id>-`. */
  readonly prefix: string;
  /** The hub namespace (bridge `br0`). */
  readonly hub: string;
  /** Host → namespace name. */
  readonly ns: Readonly<Record<HostName, string>>;
}

/** Result of a command. */
export interface CmdResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const DEC = new TextDecoder();

/**
 * Runs a command to completion.
 *
 * @param cmd Program.
 * @param args Arguments.
 * @returns Exit code and output.
 */
export async function run(cmd: string, args: readonly string[]): Promise<CmdResult> {
  const out = await new Deno.Command(cmd, {
    args: [...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: DEC.decode(out.stdout), stderr: DEC.decode(out.stderr) };
}

/** Runs `ip ARGS` and throws with its stderr on failure. */
export async function ip(...args: string[]): Promise<string> {
  const r = await run("ip", args);
  if (r.code !== 0) {
    throw new Error(`Cannot run ip ${args.join(" ")}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
  return r.stdout;
}

/** The namespace prefix of a run. */
export function runPrefix(runId: string): string {
  if (!/^[0-9a-z]+$/.test(runId)) throw new RangeError(`Invalid run id ${JSON.stringify(runId)}`);
  return `${NS_PREFIX}${runId}-`;
}

/** The topology names of a run (nothing is created). */
export function topologyOf(runId: string): Topology {
  const prefix = runPrefix(runId);
  const ns = Object.fromEntries(HOSTS.map((h) => [h, `${prefix}${h}`])) as Record<HostName, string>;
  return { prefix, hub: `${prefix}hub`, ns };
}

/** Names of every network namespace, from `ip netns list`. */
export async function listNamespaces(): Promise<string[]> {
  const out = await ip("netns", "list");
  return out.split("\n").map((l) => l.trim().split(/\s+/)[0] ?? "").filter((n) => n !== "");
}

/** Interface names of the root namespace, from `ip -o link`. */
export async function rootLinks(): Promise<string[]> {
  const out = await ip("-o", "link", "show");
  return out.split("\n").map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1]).filter((n) =>
    n !== undefined
  ) as string[];
}

/** Pids of the processes inside a namespace (`ip netns pids`); [] when it is gone. */
export async function namespacePids(ns: string): Promise<number[]> {
  const r = await run("ip", ["netns", "pids", ns]);
  if (r.code !== 0) return [];
  return r.stdout.split("\n").map((s) => Number(s.trim())).filter((n) => n > 0);
}

/**
 * Creates the hub and host namespaces, the bridge, one veth pair per host (hub side `h-<host>`,
 * host side `eth0`) and the 198.18.0.x addresses. On failure, whatever was created is left for
 * {@link destroyNamespaces} (the caller's `finally`).
 *
 * @param topo Names from {@link topologyOf}.
 */
export async function createTopology(topo: Topology): Promise<void> {
  await ip("netns", "add", topo.hub);
  await ip("-n", topo.hub, "link", "set", "lo", "up");
  await ip("-n", topo.hub, "link", "add", "br0", "type", "bridge");
  await ip("-n", topo.hub, "link", "set", "br0", "up");
  for (const host of HOSTS) {
    const ns = topo.ns[host];
    await ip("netns", "add", ns);
    await ip("-n", ns, "link", "set", "lo", "up");
    await ip(
      "-n",
      topo.hub,
      "link",
      "add",
      `h-${host}`,
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      ns,
    );
    await ip("-n", topo.hub, "link", "set", `h-${host}`, "master", "br0");
    await ip("-n", topo.hub, "link", "set", `h-${host}`, "up");
    await ip("-n", ns, "addr", "add", `${HOST_IPS[host]}/24`, "dev", "eth0");
    await ip("-n", ns, "link", "set", "eth0", "up");
  }
}

/**
 * Cuts (or heals) a host's link: its `eth0` goes down (or up) inside its own namespace.
 *
 * @param topo The topology.
 * @param host Host to cut.
 * @param up Whether the link comes up.
 */
export async function setHostLink(topo: Topology, host: HostName, up: boolean): Promise<void> {
  await ip("-n", topo.ns[host], "link", "set", "eth0", up ? "up" : "down");
}

/**
 * Kills every process inside the namespaces starting with `prefix`, then deletes them (their
 * veth pairs and bridge go with them). Returns what could not be removed.
 *
 * @param prefix `zc-<run id>-`, or `zc-` with {@link isStaleNamespace} filtering by the caller.
 * @param filter Which namespaces to remove (default: all with the prefix).
 * @returns Problems (empty when everything is gone).
 */
export async function destroyNamespaces(
  prefix: string,
  filter: (ns: string) => boolean = () => true,
): Promise<string[]> {
  const targets = (await listNamespaces()).filter((n) => n.startsWith(prefix) && filter(n));
  for (const ns of targets) {
    for (const pid of await namespacePids(ns)) {
      if (pid === Deno.pid) continue;
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* already gone */ }
    }
  }
  const problems: string[] = [];
  for (const ns of targets) {
    const deadline = Date.now() + 5000;
    while ((await namespacePids(ns)).some((p) => p !== Deno.pid) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const left = (await namespacePids(ns)).filter((p) => p !== Deno.pid);
    if (left.length > 0) problems.push(`processes still in ${ns}: ${left.join(",")}`);
    const r = await run("ip", ["netns", "del", ns]);
    if (r.code !== 0) problems.push(`cannot delete ${ns}: ${r.stderr.trim()}`);
  }
  const still = (await listNamespaces()).filter((n) => n.startsWith(prefix) && filter(n));
  for (const ns of still) problems.push(`namespace ${ns} still listed`);
  return problems;
}

/**
 * Whether a `zc-<pid>-...` namespace belongs to a run whose process is gone (a crashed run).
 *
 * @param ns Namespace name.
 * @returns True for a leftover of a dead run.
 */
export function isStaleNamespace(ns: string): boolean {
  const m = /^zc-(\d+)-/.exec(ns);
  if (!m) return false;
  try {
    const cmdline = Deno.readTextFileSync(`/proc/${m[1]}/cmdline`);
    return !cmdline.includes("chaos/main.ts");
  } catch {
    return true;
  }
}
