/**
 * `deno task chaos`: builds a small multi-host zcluster cluster on one machine with network
 * namespaces (manager, logger, two worker hosts and a control host, on 198.18.0.0/15), injects
 * faults, and prints one table of targets R1-R10 with the measured figure and PASS/FAIL.
 *
 * ```sh
 * deno task chaos            # full mode
 * deno task chaos --quick    # CI mode: smaller counts and durations (≤ 8 minutes)
 * deno task chaos --only R3,R5
 * deno task chaos --cleanup  # remove namespaces and processes left by a crashed run
 * ```
 *
 * Needs root (network namespaces). The process runs as an outer supervisor in the root
 * namespace that only creates and deletes namespaces; the scenarios run in a second process
 * (`--inner`) inside the control host's namespace, so all traffic stays inside the namespaces.
 * Whatever happens (failure, Ctrl-C, SIGTERM) the outer kills every process in the run's
 * namespaces, deletes them, and checks `ip netns list` and the root namespace's `ip link`.
 * Exit code: 0 when every row passes, 1 otherwise, 2 for bad flags or missing privileges.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runInner } from "./inner.ts";
import {
  createTopology,
  destroyNamespaces,
  isStaleNamespace,
  listNamespaces,
  NS_PREFIX,
  rootLinks,
  run,
  topologyOf,
} from "./netns.ts";
import { renderTable, type Row, row } from "./table.ts";

const HERE = new URL(".", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const SELF = new URL("./main.ts", import.meta.url).pathname;

const FLAGS = {
  quick: { type: "boolean" },
  only: { type: "string" },
  cleanup: { type: "boolean" },
  force: { type: "boolean" },
  inner: { type: "boolean" },
  "run-id": { type: "string" },
  result: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const USAGE = `chaos: fault injection on a namespaced zcluster cluster (needs root)

  deno task chaos [--quick] [--only R1,R3,...]
  deno task chaos --cleanup [--force]   remove leftovers of crashed runs (zc-<pid>-* namespaces
                                         whose run is gone; --force: every zc-* namespace)
`;

async function cleanupMode(force: boolean): Promise<number> {
  const before = (await listNamespaces()).filter((n) => n.startsWith(NS_PREFIX));
  const stale = before.filter((n) => force || isStaleNamespace(n));
  const problems = await destroyNamespaces(NS_PREFIX, (n) => stale.includes(n));
  for (const ns of stale) console.log(`removed ${ns}`);
  const kept = before.filter((n) => !stale.includes(n));
  for (const ns of kept) console.log(`kept ${ns} (its run is still going; --force removes it)`);
  for (const p of problems) console.error(`problem: ${p}`);
  await removeTempFiles(NS_PREFIX, (name) => force || isStaleNamespace(name));
  console.log(`cleanup: ${stale.length} namespaces removed, ${problems.length} problems`);
  return problems.length === 0 ? 0 : 1;
}

async function removeTempFiles(prefix: string, filter: (name: string) => boolean): Promise<void> {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  for await (const entry of Deno.readDir(tmp)) {
    if (entry.name.startsWith(prefix) && /^zc-\d+-/.test(entry.name) && filter(entry.name)) {
      await Deno.remove(`${tmp}/${entry.name}`, { recursive: true }).catch(() => {});
    }
  }
}

async function precache(): Promise<void> {
  const files = [
    "site.ts",
    "inner.ts",
    "../lib/transport/zeromq/testdata/fuzz_sender.ts",
    ...(await fuzzFiles()),
  ].map((f) => `${HERE}${f}`);
  const r = await run(Deno.execPath(), ["cache", "--config", CONFIG, ...files]);
  if (r.code !== 0) throw new Error(`Cannot cache the chaos modules: ${r.stderr.trim()}`);
}

async function fuzzFiles(): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${HERE}fuzz`)) {
    if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
      out.push(`fuzz/${e.name}`);
    }
  }
  return out;
}

/** The outer supervisor: namespaces, the inner run, cleanup and its verification. */
async function outer(quick: boolean, only: string | undefined): Promise<number> {
  const started = new Date();
  const runId = String(Deno.pid);
  const topo = topologyOf(runId);
  const linksBefore = (await rootLinks()).sort();
  const nsBefore = (await listNamespaces()).sort();
  const resultPath = await Deno.makeTempFile({ prefix: `${topo.prefix}result-` });
  let inner: Deno.ChildProcess | undefined;
  let interrupted: string | undefined;
  let timedOut = false;
  const limitMs = (quick ? 10 : 45) * 60_000;
  const onSignal = (sig: Deno.Signal) => () => {
    if (interrupted) return;
    interrupted = sig;
    console.error(`\nchaos: ${sig}: stopping the run and cleaning up`);
    try {
      if (inner) Deno.kill(-inner.pid, "SIGTERM");
    } catch { /* gone */ }
    setTimeout(() => {
      try {
        if (inner) Deno.kill(-inner.pid, "SIGKILL");
      } catch { /* gone */ }
    }, 3000);
  };
  const sigint = onSignal("SIGINT");
  const sigterm = onSignal("SIGTERM");
  Deno.addSignalListener("SIGINT", sigint);
  Deno.addSignalListener("SIGTERM", sigterm);
  const rows: Row[] = [];
  try {
    await precache();
    await createTopology(topo);
    console.error(
      `chaos: run ${runId}: namespaces ${topo.prefix}{hub,mgr,log,w1,w2,ctl} on 198.18.0.0/24`,
    );
    if (!interrupted) {
      inner = new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          topo.ns.ctl,
          Deno.execPath(),
          "run",
          "-A",
          "--cached-only",
          "--config",
          CONFIG,
          SELF,
          "--inner",
          "--run-id",
          runId,
          "--result",
          resultPath,
          ...(quick ? ["--quick"] : []),
          ...(only ? ["--only", only] : []),
        ],
        stdin: "null",
        stdout: "inherit",
        stderr: "inherit",
        detached: true,
      }).spawn();
      const watchdog = setTimeout(() => {
        timedOut = true;
        console.error(`chaos: the run exceeded ${limitMs / 60_000} minutes; stopping it`);
        try {
          Deno.kill(-inner!.pid, "SIGTERM");
          setTimeout(() => Deno.kill(-inner!.pid, "SIGKILL"), 3000);
        } catch { /* gone */ }
      }, limitMs);
      const status = await inner.status;
      clearTimeout(watchdog);
      if (!status.success && !interrupted) {
        rows.push(row("run", "the scenario process ends normally", `exit ${status.code}`, false));
      }
    }
  } catch (error) {
    rows.push(row("run", "set up the namespaces and run", String(error), false));
  } finally {
    Deno.removeSignalListener("SIGINT", sigint);
    Deno.removeSignalListener("SIGTERM", sigterm);
    // Cleanup cannot be interrupted by a second Ctrl-C.
    const ignore = () => console.error("chaos: cleaning up, please wait");
    Deno.addSignalListener("SIGINT", ignore);
    Deno.addSignalListener("SIGTERM", ignore);
    const problems = await destroyNamespaces(topo.prefix);
    await removeTempFiles(topo.prefix, (n) => !n.startsWith(`${topo.prefix}result-`));
    const linksAfter = (await rootLinks()).sort();
    const nsAfter = (await listNamespaces()).sort();
    const addedLinks = linksAfter.filter((l) => !linksBefore.includes(l));
    const addedNs = nsAfter.filter((n) => !nsBefore.includes(n));
    const ok = problems.length === 0 && addedLinks.length === 0 && addedNs.length === 0;
    const saved = await Deno.readTextFile(resultPath).catch(() => "[]");
    await Deno.remove(resultPath).catch(() => {});
    rows.unshift(...(JSON.parse(saved || "[]") as Row[]));
    rows.push(row(
      "clean",
      "no namespace, veth or process left; root ip link unchanged",
      ok
        ? `netns ${nsBefore.length}→${nsAfter.length}, root links ${linksBefore.length}→${linksAfter.length}, 0 processes left`
        : `problems: ${
          [...problems, ...addedLinks.map((l) => `link ${l}`), ...addedNs.map((n) => `netns ${n}`)]
            .join("; ")
        }`,
      ok,
    ));
    Deno.removeSignalListener("SIGINT", ignore);
    Deno.removeSignalListener("SIGTERM", ignore);
  }
  if (interrupted) rows.push(row("run", "complete run", `interrupted by ${interrupted}`, false));
  if (timedOut) {
    rows.push(
      row("run", `complete within ${limitMs / 60_000} min`, "stopped by the watchdog", false),
    );
  }
  const mode = quick ? "quick" : "full";
  console.log(
    `\nzcluster chaos (${mode}) ${started.toISOString()} host ${Deno.hostname()}, ${navigator.hardwareConcurrency} CPUs, deno ${Deno.version.deno}`,
  );
  console.log(renderTable(rows));
  const failed = rows.filter((r) => r.verdict === "FAIL").length;
  console.log(`chaos: ${rows.length - failed} passed, ${failed} failed`);
  return failed === 0 && !interrupted ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  // Every child inherits it: no Deno process of the suite checks for updates over the network.
  Deno.env.set("DENO_NO_UPDATE_CHECK", "1");
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true }));
  } catch (error) {
    console.error(`chaos: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.inner) {
    return await runInner({
      runId: values["run-id"] ?? "",
      quick: values.quick ?? false,
      only: values.only,
      resultPath: values.result ?? "",
    });
  }
  if (Deno.uid() !== 0) {
    console.error("chaos: needs root (ip netns); run it as root or with sudo");
    return 2;
  }
  if (values.cleanup) return await cleanupMode(values.force ?? false);
  return await outer(values.quick ?? false, values.only);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
