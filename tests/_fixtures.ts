/**
 * Shared helpers for multi-process tests: spawning `main.ts`, free ports, temp layouts.
 *
 * @module
 */

/** Absolute path of `main.ts`. */
export const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Runs `zcluster` to completion and captures its output. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

export { freePorts } from "./_ports.ts";

/** Layout folders written by this test module, removed when it ends. */
const layoutDirs = new Set<string>();
globalThis.addEventListener("unload", () => {
  for (const dir of layoutDirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* removed by its test already */ }
  }
});

/**
 * Writes a JSON layout to a temp file. Its folder is removed when the test module ends (a test may
 * remove it earlier), so that tests leave nothing behind.
 *
 * @param layout Layout object.
 * @returns The file path.
 */
export async function writeLayout(layout: unknown): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-layout-" });
  layoutDirs.add(dir);
  const path = `${dir}/layout.json`;
  await Deno.writeTextFile(path, JSON.stringify(layout, null, 2));
  return path;
}

/**
 * The default layout's five nodes (manager, logger-1, proxy-1, worker-1, worker-2) on 127.0.0.1,
 * as JSON layout data: node `i` listens on `ports[i]`, with a metrics port `ports[5 + i]` when
 * `metrics` is set.
 *
 * @param ports At least 5 free ports (10 with `metrics`).
 * @param metrics Whether each node gets a metrics port.
 * @returns The layout object, for {@linkcode writeLayout}.
 */
export function fiveNodeLayout(
  ports: readonly number[],
  metrics = true,
): Record<string, Record<string, unknown>> {
  const types = ["MANAGER", "LOGGER", "PROXY", "WORKER", "WORKER"];
  return Object.fromEntries(FIVE_NODES.map((n, i) => [n, {
    nodeType: types[i],
    ip: "127.0.0.1",
    p: ports[i],
    ...(metrics ? { metricsPort: ports[5 + i] } : {}),
    ...(i > 0 ? { manager: "manager" } : {}),
  }]));
}

/** The node names of {@linkcode fiveNodeLayout}, in layout order. */
export const FIVE_NODES = ["manager", "logger-1", "proxy-1", "worker-1", "worker-2"] as const;

/**
 * Waits until `predicate` holds, polling.
 *
 * @param predicate Condition.
 * @param timeoutMs Give up after this long.
 * @param what Description for the error (a function: evaluated at the timeout, to show the state then).
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      const said = typeof what === "function" ? what() : what;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${said}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Lists pids of processes whose command line contains `needle`. */
export async function pidsMatching(needle: string): Promise<number[]> {
  const out = await new Deno.Command("pgrep", { args: ["-f", needle], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean).map(Number)
    .filter((p) => p !== Deno.pid);
}
