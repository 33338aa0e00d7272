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

export {
  COMMANDS,
  nearestFlag,
  NODE_OPTION_FLAGS,
  parseCliArgs,
  splitFlags,
  WEBSOCKET_FLAGS,
} from "./args.ts";
export type { CommandName, ParsedArgs } from "./args.ts";
export { parseDurationMs } from "./duration.ts";
export { loadLayout } from "./load_layout.ts";
export type { LoadedLayout } from "./load_layout.ts";
export { onStopSignal } from "./stop_signals.ts";
export { USAGE } from "./usage.ts";
export {
  DEFAULT_GENERATOR_CONFIG,
  isGeneratorCall,
  readGeneratorConfig,
  runSystemdCommand,
  runSystemdGenerator,
} from "./systemd_commands.ts";
