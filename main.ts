/**
 * The `zcluster` binary: flags → layout → options → node (or a whole local cluster).
 *
 * @module
 */
import { layout as defaultLayout } from "./cluster-layout.ts";
import { parseCliArgs, splitFlags, WEBSOCKET_FLAGS } from "./lib/cli/args.ts";
import { loadLayout } from "./lib/cli/load_layout.ts";
import { runControlCommand } from "./lib/cli/control_commands.ts";
import { onStopSignal } from "./lib/cli/stop_signals.ts";
import {
  DEFAULT_GENERATOR_CONFIG,
  isGeneratorCall,
  readGeneratorConfig,
  runSystemdCommand,
  runSystemdGenerator,
} from "./lib/cli/systemd_commands.ts";
import { USAGE } from "./lib/cli/usage.ts";
import { createLogger } from "./lib/diagnostics/logger.ts";
import { LayoutError, LockHeldError, OptionsError } from "./lib/errors.ts";
import { managerOf } from "./lib/layout/queries.ts";
import { layoutProblems } from "./lib/layout/validate_layout.ts";
import { assertNodeDirectoriesFree, createNode, type NodeDeps } from "./lib/node/cluster_node.ts";
import { resolveOptions } from "./lib/options/options.ts";
import { EXIT_REFUSED, hostAddresses, superviseCluster } from "./lib/supervisor/supervisor.ts";
import { VERSION } from "./lib/version.ts";
import { formatHostPort } from "./lib/metrics/services.ts";
import { keygen } from "./lib/security/keys.ts";
import { demoSite } from "./site/demo.ts";

/** The zcluster version. */
export { VERSION };

const EXIT_USAGE = 2;
const CONTROL_COMMANDS: readonly string[] = ["status", "print", "peerstatus", "netstats", "stop"];

function stderr(line: string): void {
  console.error(line);
}

/**
 * Aborts once standard input reaches its end: a parent that pipes our stdin (`zcluster start`, the
 * test harness) is gone, whatever killed it. Data on stdin is read and ignored.
 */
function stopWhenStdinCloses(controller: AbortController): void {
  (async () => {
    try {
      for await (const _ of Deno.stdin.readable) {
        if (controller.signal.aborted) return;
      }
    } catch {
      // A closed or unreadable stdin counts as closed.
    }
    controller.abort(new Error("standard input closed: the parent is gone"));
  })();
}

/** How a child node process is started: the same program, run by the same executable. */
function childCommand(): { command: string; args: string[] } {
  const exec = Deno.execPath();
  const base = exec.split("/").pop() ?? "";
  if (base === "deno" || base === "deno.exe") {
    return { command: exec, args: ["run", "-A", new URL(Deno.mainModule).pathname, "run"] };
  }
  return { command: exec, args: ["run"] };
}

/** Hooks for programs built on `main()` (a site's own entry point, tests). */
export interface MainHooks {
  /** Site code run on every node once it is up. */
  readonly setup?: NodeDeps["setup"];
  /** Zeek's `Cluster::connect_node_hook`: return false to prevent a connection. */
  readonly connectNodeHook?: NodeDeps["connectNodeHook"];
}

/**
 * Runs the `zcluster` command line.
 *
 * @param argv Arguments after the program name.
 * @param hooks Site code to run on each node.
 * @returns The exit code.
 */
export async function main(argv: string[], hooks: MainHooks = {}): Promise<number> {
  const env = Deno.env.toObject();
  if (argv[0] === "systemd-generator" || isGeneratorCall(argv)) return await generate(argv, env);
  const args = parseCliArgs(argv, env);
  if (args.command === "help") {
    console.log(USAGE);
    return 0;
  }
  if (args.command === "version") {
    console.log(`zcluster ${VERSION} (deno ${Deno.version.deno})`);
    return 0;
  }
  if (args.command === "keygen") {
    const prefix = args.positionals[0] ?? args.out;
    if (prefix === undefined) throw new OptionsError("Usage: zcluster keygen PREFIX");
    const written = await keygen(prefix);
    console.log(`wrote ${written.secretKeyFile} (secret, mode 0600) and ${written.publicKeyFile}`);
    console.log(`public key: ${written.publicKey}`);
    return 0;
  }
  if (args.command === "check") {
    const { layout, source } = await loadLayout(args.layoutPath, env, defaultLayout);
    const problems = layoutProblems(layout);
    if (problems.length > 0) throw new LayoutError(problems);
    console.log(`layout ${source}: ok (${Object.keys(layout).length} nodes)`);
    return 0;
  }
  const { layout, source } = await loadLayout(args.layoutPath, env, defaultLayout);
  if (args.command === "systemd" || CONTROL_COMMANDS.includes(args.command)) {
    const controller = new AbortController();
    const unlisten = onStopSignal(controller);
    try {
      const ctx = {
        args,
        argv,
        layout,
        layoutPath: args.layoutPath ?? (env.CLUSTER_LAYOUT || undefined),
        env,
        logger: createLogger({ name: "zcluster", level: args.logLevel, write: stderr }),
        signal: controller.signal,
        print: (text: string) => console.log(text.trimEnd()),
      };
      return args.command === "systemd"
        ? await runSystemdCommand(ctx)
        : await runControlCommand(ctx);
    } finally {
      unlisten();
    }
  }
  const controller = new AbortController();
  const unlisten = onStopSignal(controller);
  try {
    if (args.command === "start") {
      const logger = createLogger({ name: "start", level: args.logLevel, write: stderr });
      logger.info(`starting local nodes of layout ${source}`);
      // `--websocket` serves the API on the manager alone (one port cannot be bound five times);
      // other nodes listen where the layout gives them a `websocketPort`.
      const { rest, taken } = splitFlags(argv, WEBSOCKET_FLAGS);
      const passOn = rest.filter((a) => a !== "start");
      const [managerName] = managerOf(layout);
      const manager = managerName === undefined ? undefined : layout[managerName];
      if (manager?.metricsPort) {
        console.log(`status page: http://${formatHostPort(manager.ip, manager.metricsPort)}/`);
      }
      const child = childCommand();
      const results = await superviseCluster({
        layout,
        child: {
          command: child.command,
          args: [...child.args, ...passOn, "--exit-with-parent"],
        },
        nodeArgs: (node) => (node === managerName ? taken : []),
        localAddresses: hostAddresses(),
        writeLine: (line) => console.log(line),
        logger,
        signal: controller.signal,
        // A log directory that a running node holds: refused before any node starts (exit 2).
        preflight: (names) => {
          for (const node of names) {
            assertNodeDirectoriesFree(
              resolveOptions({ layout, node, env, overrides: args.overrides }),
            );
          }
        },
      });
      const failed = results.filter((r) => r.unexpected || r.code !== 0);
      for (const r of failed) logger.error(`node ${r.node} exited`, { code: r.code });
      logger.info(`all nodes stopped`, { failed: failed.length });
      if (failed.some((r) => r.unexpected && r.code === EXIT_REFUSED)) return EXIT_USAGE;
      return failed.length === 0 ? 0 : 1;
    }
    if (args.node === undefined) {
      throw new OptionsError(
        `No node to run: set CLUSTER_NODE or --node (known nodes: ${
          Object.keys(layout).join(", ")
        })`,
      );
    }
    const options = resolveOptions({ layout, node: args.node, env, overrides: args.overrides });
    const logger = createLogger({ name: args.node, level: args.logLevel, write: stderr });
    await using node = await createNode(options, {
      logger,
      traceEvents: args.logLevel === "debug",
      ...(hooks.setup ? { setup: hooks.setup } : args.site === "demo" ? { setup: demoSite() } : {}),
      ...(hooks.connectNodeHook ? { connectNodeHook: hooks.connectNodeHook } : {}),
    });
    const websocketPort = layout[args.node]?.websocketPort;
    if (args.websocket) {
      const { certFile, keyFile, undeclaredEvents, ...listen } = args.websocket;
      await node.listenWebSocket({
        ...listen,
        ...(undeclaredEvents ? { undeclaredEvents } : {}),
        ...(certFile && keyFile ? { tlsOptions: { certFile, keyFile } } : {}),
      });
    } else if (websocketPort !== undefined) {
      await node.listenWebSocket({ listenAddr: layout[args.node]!.ip, listenPort: websocketPort });
    }
    if (args.exitWithParent) stopWhenStdinCloses(controller);
    const stopped = new Promise<void>((resolve) =>
      controller.signal.addEventListener("abort", () => resolve(), { once: true })
    );
    const result = await Promise.race([node.closed, stopped]);
    if (result instanceof Error) {
      logger.error(`node stopped: ${result.message}`);
      return 1;
    }
    logger.info("shutting down");
    return 0;
  } finally {
    unlisten();
  }
}

/**
 * `zcluster systemd-generator NORMAL [EARLY LATE]`, or the bare three directories systemd passes
 * when the binary is linked into `/etc/systemd/system-generators/`: the units of the arguments in
 * `/etc/zcluster/systemd.json` (or `ZCLUSTER_SYSTEMD_CONFIG`); nothing without that file.
 */
async function generate(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const dirs = argv[0] === "systemd-generator" ? argv.slice(1) : argv;
  if (dirs.length !== 1 && dirs.length !== 3) {
    throw new OptionsError("Usage: zcluster systemd-generator NORMAL-DIR [EARLY-DIR LATE-DIR]");
  }
  const configPath = env.ZCLUSTER_SYSTEMD_CONFIG || DEFAULT_GENERATOR_CONFIG;
  const config = await readGeneratorConfig(configPath);
  if (config === undefined) return 0;
  const commandLine = ["systemd", ...config];
  const args = parseCliArgs(commandLine, {});
  const { layout } = await loadLayout(args.layoutPath, {}, defaultLayout);
  return await runSystemdGenerator({
    args,
    argv: commandLine,
    layout,
    layoutPath: args.layoutPath,
    env,
    logger: createLogger({ name: "zcluster-generator", level: args.logLevel, write: stderr }),
    signal: new AbortController().signal,
    print: (text: string) => console.log(text.trimEnd()),
  }, dirs[0]!);
}

/**
 * Runs `main()` and exits with its code; usage and layout errors exit 2.
 *
 * @param argv Arguments after the program name.
 * @param hooks Site code.
 */
export async function runMain(argv: string[], hooks: MainHooks = {}): Promise<never> {
  let code: number;
  try {
    code = await main(argv, hooks);
  } catch (error) {
    if (
      error instanceof LayoutError || error instanceof OptionsError ||
      error instanceof LockHeldError
    ) {
      console.error(`zcluster: ${error.message}`);
      code = EXIT_USAGE;
    } else {
      const detail = error instanceof Error
        ? (Deno.env.get("ZCLUSTER_DEBUG") ? error.stack : error.message)
        : String(error);
      console.error(`zcluster: ${detail}`);
      code = 1;
    }
  }
  Deno.exit(code);
}

if (import.meta.main) await runMain(Deno.args);
