/**
 * The command line: argument parsing, layout loading, usage text, commands.
 *
 * @example
 * ```ts
 * import { parseCliArgs } from "./mod.ts";
 * parseCliArgs(["run", "--node", "worker-1"]).node; // "worker-1"
 * ```
 *
 * @module
 */
export * from "./args.ts";
export * from "./duration.ts";
export * from "./load_layout.ts";
export * from "./usage.ts";
export * from "./systemd_commands.ts";
