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
  "systemd-generator",
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
    /** `--websocket-undeclared-events refuse|accept`: events no site code declared. */
    readonly undeclaredEvents?: "refuse" | "accept";
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
  "websocket-undeclared-events": { type: "string" },
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
    parsed = parseArgs({
      args: joinDashValues(argv),
      options: FLAGS,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new OptionsError(parseErrorMessage(error), { cause: error });
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
    ...(values["websocket-undeclared-events"] !== undefined
      ? {
        undeclaredEvents: oneOf(
          "websocket-undeclared-events",
          values["websocket-undeclared-events"],
          [
            "refuse",
            "accept",
          ],
        ),
      }
      : {}),
  };
  if (websocket === undefined && (values["websocket-cert"] || values["websocket-key"])) {
    throw new OptionsError("--websocket-cert and --websocket-key need --websocket [ADDR:]PORT");
  }
  if (websocket === undefined && values["websocket-undeclared-events"] !== undefined) {
    throw new OptionsError("--websocket-undeclared-events needs --websocket [ADDR:]PORT");
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

/** Long flags that take a value. */
const VALUE_FLAGS: ReadonlySet<string> = new Set(
  Object.entries(FLAGS).filter(([, spec]) => spec.type === "string").map(([name]) => name),
);

/**
 * Joins `--flag -1h` into `--flag=-1h` for value flags, so a value that starts with a dash and a
 * digit (a negative duration or number) reaches the flag's own check and its clear message,
 * exactly as `--flag=-1h` does, instead of `parseArgs`' "argument is ambiguous".
 */
function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const name = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : undefined;
    if (name !== undefined && VALUE_FLAGS.has(name) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Edit distance (Levenshtein) between two short strings. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        prev[j]! + 1,
        row[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The known flag nearest to an unknown one (`--lgo-dir` → `--log-dir`), if one is near enough:
 * at most a third of the longer name's letters differ (at least 1, at most 3 edits), or the unknown
 * flag is a prefix of exactly one known flag.
 *
 * @example
 * ```ts
 * import { nearestFlag } from "./args.ts";
 * nearestFlag("--lgo-dir"); // "--log-dir"
 * ```
 *
 * @param flag The unknown flag, with its dashes.
 * @returns The suggestion with its dashes, or undefined.
 */
export function nearestFlag(flag: string): string | undefined {
  const name = flag.replace(/^-+/, "").split("=")[0]!;
  if (name === "") return undefined;
  const known = Object.keys(FLAGS);
  const prefixed = known.filter((k) => k.startsWith(name));
  if (prefixed.length === 1) return `--${prefixed[0]}`;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  const limit = Math.min(3, Math.max(1, Math.floor(Math.max(name.length, best!.length) / 3)));
  return bestDistance <= limit ? `--${best}` : undefined;
}

/** The message for a `parseArgs` error: an unknown flag names the nearest known one. */
function parseErrorMessage(error: unknown): string {
  const message = (error as Error).message;
  const code = (error as { code?: string }).code;
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown) {
    const suggestion = nearestFlag(unknown[1]!);
    return suggestion
      ? `Unknown option '${unknown[1]}': did you mean ${suggestion}? See zcluster --help`
      : `Unknown option '${unknown[1]}'; see zcluster --help`;
  }
  return `${message}; see zcluster --help`;
}

/** The flags of the WebSocket listener that `start` gives the manager only. */
export const WEBSOCKET_FLAGS: readonly string[] = [
  "websocket",
  "websocket-cert",
  "websocket-key",
  "websocket-undeclared-events",
];

/**
 * Splits a valid command line into the arguments without some flags and those flags with their
 * values (`--flag VALUE` or `--flag=VALUE`; a boolean flag alone), each in order.
 *
 * @example
 * ```ts
 * import { splitFlags } from "./args.ts";
 * splitFlags(["start", "--websocket", "27759", "--rotate", "1h"], ["websocket"]);
 * // { rest: ["start", "--rotate", "1h"], taken: ["--websocket", "27759"] }
 * ```
 *
 * @param argv Arguments that {@link parseCliArgs} accepted.
 * @param names Flag names without dashes.
 * @returns The remaining arguments and the taken ones.
 */
export function splitFlags(
  argv: readonly string[],
  names: readonly string[],
): { rest: string[]; taken: string[] } {
  const rest: string[] = [];
  const taken: string[] = [];
  const args = joinDashValues(argv);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      rest.push(...args.slice(i));
      break;
    }
    const name = arg.startsWith("--") ? arg.slice(2).split("=")[0]! : "";
    if (!names.includes(name)) rest.push(arg);
    else if (arg.includes("=") || !VALUE_FLAGS.has(name)) taken.push(arg);
    else taken.push(arg, ...(i + 1 < args.length ? [args[++i]!] : []));
  }
  return { rest, taken };
}

/**
 * The flags that set a node's options, which `systemd` writes into every unit's `ExecStart=`
 * (the WebSocket ones into the manager's only). The rest (`--layout`, `--node`, `--binary`,
 * `--out`, `--user`, `--working-dir`, `--timeout`, `--sample`, `--exit-with-parent`) are the
 * command's own.
 */
export const NODE_OPTION_FLAGS: readonly string[] = [
  "log-dir",
  "log-format",
  "rotate",
  "format",
  "log-level",
  "metrics-address",
  "metrics-advertise",
  "no-heartbeat",
  "set",
  "curve-key",
  "curve-server-pub",
  "curve-server-key",
  "curve-allow",
  "proxy-xpub",
  "proxy-xsub",
  "site",
  ...WEBSOCKET_FLAGS,
];
