/**
 * Diagnostic logging (not Zeek log streams): an injected `Logger` with levels, written as one
 * line per message to a sink (stderr by default in `main.ts`).
 *
 * @module
 */

/** Levels, most verbose first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Structured detail attached to a message. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The diagnostic logger every component receives. */
export interface Logger {
  /** Detail for debugging, off by default. */
  debug(message: string, fields?: LogFields): void;
  /** Normal operation worth a line. */
  info(message: string, fields?: LogFields): void;
  /** Something went wrong and was handled. */
  warn(message: string, fields?: LogFields): void;
  /** Something failed. */
  error(message: string, fields?: LogFields): void;
}

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Prefix of every line, usually the node name. */
  readonly name?: string;
  /** Lowest level written. Default `info`. */
  readonly level?: LogLevel;
  /** Where lines go. */
  readonly write: (line: string) => void;
  /** Wall-clock source in epoch seconds. */
  readonly now?: () => number;
}

function formatFields(fields: LogFields | undefined): string {
  if (!fields) return "";
  let out = "";
  for (const [key, value] of Object.entries(fields)) {
    const text = typeof value === "string" ? value : JSON.stringify(
      value,
      (_k, v) => typeof v === "bigint" ? v.toString() : v,
    );
    out += ` ${key}=${/[\s"]/.test(text ?? "") ? JSON.stringify(text) : text}`;
  }
  return out;
}

/**
 * Creates a line-oriented logger.
 *
 * @param options Name, level and sink.
 * @returns A {@link Logger}.
 *
 * @example
 * ```ts
 * import { createLogger } from "../../mod.ts";
 * const log = createLogger({ name: "worker-1", write: (line) => console.error(line) });
 * log.warn("store is stale", { store: "hits" });
 * ```
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const min = LOG_LEVELS.indexOf(options.level ?? "info");
  const now = options.now ?? (() => Date.now() / 1000);
  const prefix = options.name ? ` ${options.name}:` : "";
  const emit = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(level) < min) return;
    const ts = new Date(now() * 1000).toISOString();
    options.write(`${ts} ${level}${prefix} ${message}${formatFields(fields)}`);
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
