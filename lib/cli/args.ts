/**
 * Command-line parsing (`node:util` parseArgs) into a typed command. No I/O here.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { OptionsError } from "../errors.ts";
import type { ClusterOptionOverrides, LogFormat } from "../options/options.ts";
import type { EventFormat } from "../serialization/event.ts";
import { parseDurationMs } from "./duration.ts";

/** Commands of the `zcluster` binary. */
export const COMMANDS = [
  "run",
  "start",
  "check",
  "status",
  "print",
  "peerstatus",
  "netstats",
  "stop",
  "systemd",
  "keygen",
  "help",
  "version",
] as const;
/** One of {@link COMMANDS}. */
export type CommandName = typeof COMMANDS[number];

/** A parsed command line. */
export interface ParsedArgs {
  readonly command: CommandName;
  /** `--node`, else `CLUSTER_NODE`. */
  readonly node?: string;
  /** `--layout FILE.json`. */
  readonly layoutPath?: string;
  /** `--log-level`. */
  readonly logLevel: "debug" | "info" | "warn" | "error";
  /** Option overrides from flags. */
  readonly overrides: ClusterOptionOverrides;
  /** `--websocket [ADDR:]PORT`: serve the WebSocket API (Zeek's `Cluster::listen_websocket`). */
  readonly websocket?: {
    readonly listenAddr: string;
    readonly listenPort: number;
    readonly certFile?: string;
    readonly keyFile?: string;
  };
  /** `--node` given explicitly (control commands only accept a CONTROL node). */
  readonly controlNode?: string;
  /** `--timeout`: how long control commands wait for answers. Default 10 s (zeekctl). */
  readonly timeoutMs: number;
  /** `--sample`: the window `status` measures rates over. Default 1 s. */
  readonly sampleMs: number;
  /** `systemd`: the binary units run. */
  readonly binary?: string;
  /** `systemd`: where units are written; `keygen`: the key file prefix. */
  readonly out?: string;
  /** `systemd`: `User=`. */
  readonly user?: string;
  /** `systemd`: `WorkingDirectory=`. */
  readonly workingDir?: string;
  /** `--site NAME`: built-in site code to run (`demo`), or none. */
  readonly site?: "demo";
  /** `--exit-with-parent`: stop gracefully once standard input closes (its parent is gone). */
  readonly exitWithParent: boolean;
  /** Remaining positional arguments after the command. */
  readonly positionals: readonly string[];
}

const FLAGS = {
  node: { type: "string" },
  layout: { type: "string" },
  "log-dir": { type: "string" },
  "log-format": { type: "string" },
  "log-compress": { type: "string" },
  rotate: { type: "string" },
  format: { type: "string" },
  "log-level": { type: "string" },
  "metrics-address": { type: "string" },
  "metrics-advertise": { type: "string" },
  "no-heartbeat": { type: "boolean" },
  set: { type: "string", multiple: true },
  "curve-key": { type: "string" },
  "curve-server-pub": { type: "string" },
  "curve-server-key": { type: "string" },
  "curve-allow": { type: "string" },
  timeout: { type: "string" },
  sample: { type: "string" },
  binary: { type: "string" },
  out: { type: "string" },
  user: { type: "string" },
  "working-dir": { type: "string" },
  site: { type: "string" },
  "exit-with-parent": { type: "boolean" },
  websocket: { type: "string" },
  "websocket-cert": { type: "string" },
  "websocket-key": { type: "string" },
  "proxy-xpub": { type: "string" },
  "proxy-xsub": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new OptionsError(
      `Invalid --${flag} ${JSON.stringify(value)}: expected one of ${allowed.join(", ")}`,
    );
  }
  return value as T;
}

/**
 * Parses `zcluster` arguments.
 *
 * @param argv Arguments after the program name.
 * @param env Environment (`CLUSTER_NODE`).
 * @returns The parsed command.
 * @throws {OptionsError} On an unknown command or flag, or a bad flag value.
 */
export function parseCliArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new OptionsError(`${(error as Error).message}; see zcluster --help`, { cause: error });
  }
  const { values, positionals } = parsed;
  const first = positionals[0];
  let command: CommandName = "run";
  if (values.help) command = "help";
  else if (values.version) command = "version";
  else if (first !== undefined) {
    if (!(COMMANDS as readonly string[]).includes(first)) {
      throw new OptionsError(
        `Unknown command ${JSON.stringify(first)}: expected one of ${COMMANDS.join(", ")}`,
      );
    }
    command = first as CommandName;
  }
  const overrides: Record<string, unknown> = {};
  if (values["log-dir"] !== undefined) overrides.logDir = values["log-dir"];
  if (values["log-format"] !== undefined) {
    overrides.logFormat = oneOf<LogFormat>("log-format", values["log-format"], ["ascii", "json"]);
  }
  if (values["log-compress"] !== undefined) {
    overrides.logCompress = oneOf("log-compress", values["log-compress"], ["none", "gzip"]);
  }
  if (values.rotate !== undefined) {
    try {
      overrides.rotationIntervalMs = parseDurationMs(values.rotate, "--rotate");
    } catch (error) {
      throw new OptionsError((error as Error).message, { cause: error });
    }
  }
  if (values.format !== undefined) {
    const format = oneOf("format", values.format, ["bin", "json"]);
    overrides.eventSerializer =
      (format === "bin" ? "broker-bin-v1" : "broker-json-v1") as EventFormat;
  }
  if (values["metrics-address"] !== undefined) overrides.metricsAddress = values["metrics-address"];
  if (values["metrics-advertise"] !== undefined) {
    overrides.metricsAdvertiseAddress = values["metrics-advertise"];
  }
  const zeromq: Record<string, unknown> = {};
  if (values["no-heartbeat"]) zeromq.heartbeatIntervalMs = 0;
  const xpub = values["proxy-xpub"];
  const xsub = values["proxy-xsub"];
  for (const [flag, value] of [["proxy-xpub", xpub], ["proxy-xsub", xsub]] as const) {
    if (value !== undefined && !/^(tcp|ipc|inproc):\/\/.+/.test(value)) {
      throw new OptionsError(
        `Invalid --${flag} ${
          JSON.stringify(value)
        }: expected a ZeroMQ endpoint like tcp://10.0.0.1:5555`,
      );
    }
  }
  if (xpub !== undefined) {
    zeromq.listenXpubEndpoint = xpub;
    zeromq.connectXsubEndpoint = xpub;
  }
  if (xsub !== undefined) {
    zeromq.listenXsubEndpoint = xsub;
    zeromq.connectXpubEndpoint = xsub;
  }
  const curveFlags = [
    ["curve-key", "curveKeyFile"],
    ["curve-server-pub", "curveServerPublicKeyFile"],
    ["curve-server-key", "curveServerKeyFile"],
    ["curve-allow", "curveAllowListFile"],
  ] as const;
  for (const [flag, option] of curveFlags) {
    const value = values[flag];
    if (value !== undefined) zeromq[option] = value;
  }
  for (const assignment of values.set ?? []) applySet(overrides, zeromq, assignment);
  if (Object.keys(zeromq).length > 0) overrides.zeromq = zeromq;
  const logLevel = oneOf("log-level", values["log-level"] ?? "info", [
    "debug",
    "info",
    "warn",
    "error",
  ]);
  const node = values.node ?? (env.CLUSTER_NODE || undefined);
  const websocket = values.websocket === undefined ? undefined : {
    ...parseListen(values.websocket),
    ...(values["websocket-cert"] ? { certFile: values["websocket-cert"] } : {}),
    ...(values["websocket-key"] ? { keyFile: values["websocket-key"] } : {}),
  };
  if (websocket === undefined && (values["websocket-cert"] || values["websocket-key"])) {
    throw new OptionsError("--websocket-cert and --websocket-key need --websocket [ADDR:]PORT");
  }
  if (websocket && Boolean(websocket.certFile) !== Boolean(websocket.keyFile)) {
    throw new OptionsError("--websocket-cert and --websocket-key go together: give both");
  }
  const site = values.site === undefined ? undefined : oneOf("site", values.site, ["demo"]);
  const duration = (flag: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    try {
      return parseDurationMs(value, `--${flag}`);
    } catch (error) {
      throw new OptionsError((error as Error).message, { cause: error });
    }
  };
  return {
    ...(values.node !== undefined ? { controlNode: values.node } : {}),
    timeoutMs: duration("timeout", values.timeout, 10_000),
    sampleMs: duration("sample", values.sample, 1000),
    ...(values.binary !== undefined ? { binary: values.binary } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(values.user !== undefined ? { user: values.user } : {}),
    ...(values["working-dir"] !== undefined ? { workingDir: values["working-dir"] } : {}),
    ...(site ? { site } : {}),
    exitWithParent: values["exit-with-parent"] ?? false,
    ...(websocket ? { websocket } : {}),
    command,
    ...(node !== undefined ? { node } : {}),
    ...(values.layout !== undefined ? { layoutPath: values.layout } : {}),
    logLevel,
    overrides: overrides as ClusterOptionOverrides,
    positionals: first === command ? positionals.slice(1) : positionals,
  };
}

/**
 * Applies one `--set key=value` (the twin of a Zeek `redef`): `key` is an option name, or
 * `zeromq.<name>` for a ZeroMQ option; `value` is JSON (numbers, booleans, arrays, strings in
 * quotes) or else taken as a string. Types are checked later against the defaults.
 */
function applySet(
  overrides: Record<string, unknown>,
  zeromq: Record<string, unknown>,
  assignment: string,
): void {
  const eq = assignment.indexOf("=");
  const key = eq > 0 ? assignment.slice(0, eq).trim() : "";
  if (!/^(zeromq\.)?[A-Za-z][A-Za-z0-9]*$/.test(key)) {
    throw new OptionsError(
      `Invalid --set ${
        JSON.stringify(assignment)
      }: expected NAME=VALUE, e.g. --set enableRoundRobinLogging=false`,
    );
  }
  const raw = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  if (key.startsWith("zeromq.")) zeromq[key.slice("zeromq.".length)] = value;
  else overrides[key] = value;
}

/** Parses `[ADDR:]PORT` (`[::1]:27759` for IPv6); the address defaults to 127.0.0.1. */
function parseListen(text: string): { listenAddr: string; listenPort: number } {
  const m = /^(?:\[([^\]]+)\]:|([^:\[\]]+):)?(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new OptionsError(
      `Invalid --websocket ${JSON.stringify(text)}: expected [ADDR:]PORT, e.g. 127.0.0.1:27759`,
    );
  }
  return { listenAddr: m[1] ?? m[2] ?? "127.0.0.1", listenPort: port };
}
