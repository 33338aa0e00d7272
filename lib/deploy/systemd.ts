/**
 * systemd units for a zcluster cluster: one `zcluster-<node>.service` per node that zcluster runs
 * (MANAGER, LOGGER, PROXY, WORKER), each running `<binary> run --layout <path>` with
 * `CLUSTER_NODE=<node>`, and a `zcluster.target` that groups them, so that
 * `systemctl start zcluster.target` starts the cluster and `systemctl stop zcluster.target` stops
 * it (each node exits 0 on SIGTERM).
 *
 * Every non-manager unit is ordered after the manager's unit and wants it, since the manager runs
 * the ZeroMQ proxy that every node connects to (nodes retry anyway, so this only saves retries).
 * When the units are rendered for one host of a multi-host cluster (`nodes`) and the manager is
 * elsewhere, there is no unit to order after and the dependency is left out.
 *
 * @module
 */
import type { ClusterLayout } from "../layout/types.ts";

/** Name of the target unit that groups the node units. */
export const ZCLUSTER_TARGET = "zcluster.target";
/** Node types that have a unit (CONTROL and NONE are layout-only). */
export const SERVICE_NODE_TYPES = ["MANAGER", "LOGGER", "PROXY", "WORKER"] as const;
/** Default `TimeoutStopSec`, seconds: time for a graceful stop before SIGKILL. */
export const DEFAULT_TIMEOUT_STOP_SEC = 15;

/** Options of {@link renderSystemdUnits}. */
export interface SystemdUnitsOptions {
  /** The validated layout. */
  readonly layout: ClusterLayout;
  /** Absolute path of the program: the zcluster binary, or `deno` with {@link binaryArgs}. */
  readonly binary: string;
  /** Arguments before the `run` command, e.g. `["run", "-A", "/opt/zcluster/main.ts"]` for deno. */
  readonly binaryArgs?: readonly string[];
  /** Absolute path of the layout JSON; without it, nodes use the layout compiled in. */
  readonly layoutPath?: string;
  /** `User=` of the services (root when left out). */
  readonly user?: string;
  /**
   * `WorkingDirectory=` of the services: where relative log and store paths point (without it a
   * node would run in `/`, and a logger would write `/logs`).
   */
  readonly workingDir: string;
  /** Extra flags after `run --layout <path>`, e.g. `["--log-dir", "/var/log/zeek"]`. */
  readonly extraArgs?: readonly string[];
  /** Flags for some nodes only, after {@link extraArgs}: node name → flags (the manager's `--websocket`). */
  readonly nodeArgs?: Readonly<Record<string, readonly string[]>>;
  /** Only these nodes (say, the ones on this host); every node that zcluster runs by default. */
  readonly nodes?: readonly string[];
  /** `TimeoutStopSec=` in seconds ({@link DEFAULT_TIMEOUT_STOP_SEC}). */
  readonly timeoutStopSec?: number;
}

/** One rendered unit file. */
export interface SystemdFile {
  /** File name, e.g. `zcluster-worker-1.service`. */
  readonly name: string;
  /** File content. */
  readonly content: string;
}

/**
 * The unit name of a node. Characters a unit name cannot hold (`@` makes a template instance) are
 * escaped as `systemd-escape` does (`\x40`).
 *
 * @example
 * ```ts
 * import { serviceName } from "./systemd.ts";
 * serviceName("worker-1"); // "zcluster-worker-1.service"
 * ```
 *
 * @param node Node name.
 * @returns `zcluster-<node>.service`.
 * @throws {RangeError} When the node name is empty.
 */
export function serviceName(node: string): string {
  if (node === "") throw new RangeError("Cannot name a systemd unit after an empty node name");
  const escaped = [...new TextEncoder().encode(node)].map((byte) => {
    const c = String.fromCharCode(byte);
    return /[A-Za-z0-9:_.-]/.test(c) ? c : `\\x${byte.toString(16).padStart(2, "0")}`;
  }).join("");
  return `zcluster-${escaped}.service`;
}

/**
 * Quotes one command-line word for `ExecStart=`: `%` and `$` are doubled (no specifier or variable
 * expansion), and words with spaces, quotes or backslashes are double-quoted with C escapes.
 *
 * @param word The word.
 * @returns The word as systemd reads it back.
 */
export function quoteExecWord(word: string): string {
  let out = word.replaceAll("%", "%%").replaceAll("$", "$$$$");
  if (out === "" || /[\s"'\\;]/.test(out)) {
    out = `"${out.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;
  }
  return out;
}

function requireAbsolute(what: string, path: string | undefined): void {
  if (path !== undefined && !path.startsWith("/")) {
    throw new TypeError(`Invalid ${what} ${JSON.stringify(path)}: expected an absolute path`);
  }
}

function requireEnvironmentValue(node: string): void {
  if (/[\s"'\\%$]/.test(node)) {
    throw new RangeError(`Cannot write node name ${JSON.stringify(node)} into Environment=`);
  }
}

function requirePlain(what: string, value: string): void {
  if (/[\n%$"\\]/.test(value) || /^\s|\s$/.test(value)) {
    throw new TypeError(
      `Invalid ${what} ${
        JSON.stringify(value)
      }: newlines, %, $, quotes and backslashes are not allowed`,
    );
  }
}

function selectNodes(layout: ClusterLayout, nodes: readonly string[] | undefined): string[] {
  const runnable = (name: string) =>
    (SERVICE_NODE_TYPES as readonly string[]).includes(layout[name]?.nodeType ?? "");
  if (nodes === undefined) return Object.keys(layout).filter(runnable);
  for (const name of nodes) {
    if (!(name in layout)) {
      throw new RangeError(
        `Unknown node "${name}": the layout has ${Object.keys(layout).join(", ")}`,
      );
    }
    if (!runnable(name)) {
      throw new RangeError(
        `Node "${name}" is a ${layout[name]!.nodeType} node: zcluster does not run it`,
      );
    }
  }
  return [...nodes];
}

function serviceUnit(
  node: string,
  options: SystemdUnitsOptions,
  manager: string | undefined,
): string {
  const type = options.layout[node]!.nodeType;
  requireEnvironmentValue(node);
  const after = ["network-online.target"];
  const wants = ["network-online.target"];
  if (manager !== undefined && manager !== node) {
    after.push(serviceName(manager));
    wants.push(serviceName(manager));
  }
  const exec = [
    options.binary,
    ...(options.binaryArgs ?? []),
    "run",
    ...(options.layoutPath !== undefined ? ["--layout", options.layoutPath] : []),
    ...(options.extraArgs ?? []),
    ...(options.nodeArgs?.[node] ?? []),
  ].map(quoteExecWord).join(" ");
  const lines = [
    `# Generated by zcluster: node ${node} (${type}). Edits are lost when it is generated again.`,
    "[Unit]",
    `Description=zcluster ${type.toLowerCase()} node ${node}`,
    `After=${after.join(" ")}`,
    `Wants=${wants.join(" ")}`,
    `PartOf=${ZCLUSTER_TARGET}`,
    "",
    "[Service]",
    "Type=exec",
    `Environment=CLUSTER_NODE=${node}`,
    `ExecStart=${exec}`,
    "Restart=on-failure",
    "RestartSec=1",
    "# Exit code 2 is a bad layout, flag or node name: restarting cannot fix it.",
    "RestartPreventExitStatus=2",
    "KillSignal=SIGTERM",
    `TimeoutStopSec=${options.timeoutStopSec ?? DEFAULT_TIMEOUT_STOP_SEC}`,
    ...(options.user !== undefined ? [`User=${options.user}`] : []),
    `WorkingDirectory=${options.workingDir}`,
    "",
    "[Install]",
    `WantedBy=${ZCLUSTER_TARGET}`,
  ];
  return lines.join("\n") + "\n";
}

function targetUnit(units: readonly string[]): string {
  return [
    "# Generated by zcluster. Edits are lost when it is generated again.",
    "[Unit]",
    `Description=zcluster cluster (${units.length} node${units.length === 1 ? "" : "s"})`,
    "After=network-online.target",
    `Wants=${units.join(" ")}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n") + "\n";
}

/**
 * Renders the unit files of a cluster.
 *
 * @example
 * ```ts
 * import { renderSystemdUnits } from "./systemd.ts";
 * const files = renderSystemdUnits({
 *   layout: {
 *     manager: { nodeType: "MANAGER", ip: "10.0.0.1", p: 27762 },
 *     "worker-1": { nodeType: "WORKER", ip: "10.0.0.2", p: 27763, manager: "manager" },
 *   },
 *   binary: "/usr/local/bin/zcluster",
 *   layoutPath: "/etc/zcluster/layout.json",
 *   workingDir: "/var/lib/zcluster",
 * });
 * files.map((f) => f.name); // ["zcluster-manager.service", "zcluster-worker-1.service", "zcluster.target"]
 * ```
 *
 * @param options Layout, binary, layout path, user, working directory, extra flags (for all
 *   nodes, and per node), nodes.
 * @returns One `.service` per node, then `zcluster.target`.
 * @throws {TypeError} When a path is not absolute or a value cannot be written into a unit.
 * @throws {RangeError} When a node is unknown, not run by zcluster, or has an unusable name.
 */
export function renderSystemdUnits(options: SystemdUnitsOptions): SystemdFile[] {
  requireAbsolute("binary", options.binary);
  requireAbsolute("layout path", options.layoutPath);
  requireAbsolute("working directory", options.workingDir);
  if (options.user !== undefined) requirePlain("user", options.user);
  requirePlain("working directory", options.workingDir);
  for (const node of Object.keys(options.nodeArgs ?? {})) {
    if (!(node in options.layout)) {
      throw new RangeError(
        `Unknown node "${node}": the layout has ${Object.keys(options.layout).join(", ")}`,
      );
    }
  }
  const stop = options.timeoutStopSec;
  if (stop !== undefined && !(Number.isInteger(stop) && stop > 0)) {
    throw new RangeError(`Invalid TimeoutStopSec ${stop}: expected a positive whole number`);
  }
  const nodes = selectNodes(options.layout, options.nodes);
  if (nodes.length === 0) throw new RangeError("Cannot render units: no node to run");
  const manager = nodes.find((n) => options.layout[n]!.nodeType === "MANAGER");
  const files = nodes.map((node) => ({
    name: serviceName(node),
    content: serviceUnit(node, options, manager),
  }));
  files.push({ name: ZCLUSTER_TARGET, content: targetUnit(files.map((f) => f.name)) });
  return files;
}

/**
 * Writes unit files into a directory (created if missing), mode 0644.
 *
 * @param dir Directory, e.g. `/etc/systemd/system`.
 * @param files Files from {@link renderSystemdUnits}.
 * @returns The paths written.
 */
export async function writeSystemdUnits(
  dir: string,
  files: readonly SystemdFile[],
): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const file of files) {
    if (file.name.includes("/")) throw new TypeError(`Invalid unit file name ${file.name}`);
    const path = `${dir.replace(/\/+$/, "")}/${file.name}`;
    await Deno.writeTextFile(path, file.content, { mode: 0o644 });
    paths.push(path);
  }
  return paths;
}

/** The `multi-user.target.wants` link a generator writes, since it cannot `systemctl enable`. */
export const GENERATOR_WANTS_LINK = "multi-user.target.wants/zcluster.target";

/**
 * Writes units as a systemd generator does (systemd runs generators at boot and on
 * `daemon-reload`, with the output directory as first argument): the files of
 * {@link renderSystemdUnits}, then `multi-user.target.wants/zcluster.target` linking to
 * `../zcluster.target`, which is what `systemctl enable zcluster.target` would have done, so the
 * cluster starts at boot.
 *
 * @example
 * ```ts ignore
 * import { renderSystemdUnits, writeGeneratorUnits } from "./systemd.ts";
 * declare const files: ReturnType<typeof renderSystemdUnits>;
 * await writeGeneratorUnits("/run/systemd/generator", files);
 * ```
 *
 * @param dir The generator's normal output directory.
 * @param files Files from {@link renderSystemdUnits}.
 * @returns The paths written, the link last.
 */
export async function writeGeneratorUnits(
  dir: string,
  files: readonly SystemdFile[],
): Promise<string[]> {
  const paths = await writeSystemdUnits(dir, files);
  const base = dir.replace(/\/+$/, "");
  const link = `${base}/${GENERATOR_WANTS_LINK}`;
  await Deno.mkdir(link.slice(0, link.lastIndexOf("/")), { recursive: true });
  await Deno.remove(link).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await Deno.symlink(`../${ZCLUSTER_TARGET}`, link);
  return [...paths, link];
}
