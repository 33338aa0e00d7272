/**
 * The deployment commands: `zcluster systemd` writes the units of a layout into a directory, and
 * `zcluster systemd-generator` (or `zcluster NORMAL EARLY LATE`, as systemd runs a generator)
 * writes them at boot from the arguments kept in a file.
 *
 * @module
 */
import {
  GENERATOR_WANTS_LINK,
  renderSystemdUnits,
  type SystemdFile,
  writeGeneratorUnits,
  writeSystemdUnits,
} from "../deploy/systemd.ts";
import { OptionsError } from "../errors.ts";
import { managerOf } from "../layout/queries.ts";
import { NODE_OPTION_FLAGS, splitFlags, WEBSOCKET_FLAGS } from "./args.ts";
import type { CommandContext } from "./control_commands.ts";

/** Where the generator finds its arguments, unless `ZCLUSTER_SYSTEMD_CONFIG` names another file. */
export const DEFAULT_GENERATOR_CONFIG = "/etc/zcluster/systemd.json";

/**
 * The units of `zcluster systemd`: the node option flags of the command line go into every
 * unit (the WebSocket ones into the manager's only, as `start` does), `WorkingDirectory=` is
 * `--working-dir` or the current directory.
 *
 * @throws {OptionsError} Without `--binary`, with a relative path, an unknown node or a value a
 *   unit cannot hold.
 */
function renderUnits(ctx: CommandContext, workingDir: string, layoutPath?: string): SystemdFile[] {
  const { args, layout } = ctx;
  if (!args.binary) {
    throw new OptionsError(
      "Usage: zcluster systemd --layout L.json --binary PATH --out DIR [--working-dir DIR] [--user USER] [NODE...]",
    );
  }
  const { taken: nodeFlags } = splitFlags(ctx.argv, NODE_OPTION_FLAGS);
  const { rest: common, taken: websocket } = splitFlags(nodeFlags, WEBSOCKET_FLAGS);
  const [manager] = managerOf(layout);
  try {
    return renderSystemdUnits({
      layout,
      binary: args.binary,
      workingDir,
      ...(layoutPath ? { layoutPath } : {}),
      ...(args.user ? { user: args.user } : {}),
      extraArgs: common,
      ...(websocket.length > 0 ? { nodeArgs: { [manager]: websocket } } : {}),
      ...(args.positionals.length > 0 ? { nodes: [...args.positionals] } : {}),
    });
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new OptionsError(`Cannot write systemd units: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** The layout path as units must name it: absolute, and the file must exist. */
async function absoluteLayoutPath(path: string | undefined): Promise<string | undefined> {
  return path === undefined ? undefined : await Deno.realPath(path);
}

/**
 * `zcluster systemd --binary PATH --out DIR [NODE...]`: one unit per node and a `zcluster.target`.
 *
 * @returns 0.
 * @throws {OptionsError} Without `--binary` or `--out`, or for anything {@link renderUnits} refuses.
 */
export async function runSystemdCommand(ctx: CommandContext): Promise<number> {
  const { args } = ctx;
  if (!args.out) {
    throw new OptionsError(
      "Usage: zcluster systemd --layout L.json --binary PATH --out DIR [--working-dir DIR] [--user USER] [NODE...]",
    );
  }
  const workingDir = args.workingDir ?? Deno.cwd();
  const files = renderUnits(ctx, workingDir, await absoluteLayoutPath(ctx.layoutPath));
  await writeSystemdUnits(args.out, files);
  for (const f of files) ctx.print(`wrote ${args.out}/${f.name}`);
  ctx.print(`WorkingDirectory=${workingDir} (relative --log-dir and store paths point there)`);
  return 0;
}

/**
 * Whether a command line is systemd running a generator: exactly three absolute directories
 * (normal, early and late output directories).
 *
 * @example
 * ```ts
 * import { isGeneratorCall } from "./systemd_commands.ts";
 * isGeneratorCall(["/run/systemd/generator", "/run/systemd/generator.early", "/run/systemd/generator.late"]); // true
 * isGeneratorCall(["status", "worker-1"]); // false
 * ```
 *
 * @param argv Arguments after the program name.
 * @returns `true` for `/run/systemd/generator /run/systemd/generator.early /run/systemd/generator.late`.
 */
export function isGeneratorCall(argv: readonly string[]): boolean {
  return argv.length === 3 && argv.every((a) => a.startsWith("/"));
}

/**
 * Reads the generator's configuration: a JSON array of `zcluster systemd` arguments (no
 * `--out`: the generator writes where systemd says).
 *
 * @param path The configuration file.
 * @returns The arguments, or undefined when the file does not exist.
 * @throws {OptionsError} When it cannot be read or is not an array of strings.
 */
export async function readGeneratorConfig(path: string): Promise<string[] | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new OptionsError(`Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new OptionsError(`${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new OptionsError(
      `${path} must be a JSON array of zcluster systemd arguments, e.g. ["--layout", "/etc/zcluster/layout.json", "--binary", "/usr/local/bin/zcluster", "--working-dir", "/var/lib/zcluster"]`,
    );
  }
  if (value.some((v) => v === "--out" || v.startsWith("--out="))) {
    throw new OptionsError(
      `${path}: --out has no place here: the generator writes where systemd says`,
    );
  }
  return value;
}

/**
 * `zcluster systemd-generator NORMAL [EARLY LATE]`: what systemd runs at boot and on
 * `daemon-reload` (as Zeek's `zeek-systemd-generator`). `ctx` holds the configuration file's
 * arguments; the units go into NORMAL with the link that starts `zcluster.target` at boot.
 * `--working-dir` is required: a generator runs in `/`.
 *
 * @param ctx The parsed configuration arguments.
 * @param normalDir The generator's normal output directory.
 * @returns 0.
 * @throws {OptionsError} For a configuration `zcluster systemd` would refuse.
 */
export async function runSystemdGenerator(ctx: CommandContext, normalDir: string): Promise<number> {
  if (!ctx.args.workingDir) {
    throw new OptionsError(
      "The systemd generator needs --working-dir in its configuration: it runs in /",
    );
  }
  const files = renderUnits(ctx, ctx.args.workingDir, await absoluteLayoutPath(ctx.layoutPath));
  await writeGeneratorUnits(normalDir, files);
  ctx.logger.debug(`wrote ${files.length} units and ${GENERATOR_WANTS_LINK} into ${normalDir}`);
  return 0;
}
