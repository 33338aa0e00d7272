/**
 * `deno task test`: runs `deno test -A --parallel <args>` with a private `TMPDIR`, then fails the
 * run when the tests left anything behind: a file in that `TMPDIR` (every `Deno.makeTempDir` of
 * the tests and of the nodes they start lands there), or a new file in the repository, ignored
 * ones included (`logs/` of a node left on its default log directory). It lists what was left,
 * then removes the private `TMPDIR`, so that `/tmp` is clean whatever the tests did.
 *
 * Port reservations (`tests/_ports.ts`) are shared with other test runs on the machine, so they
 * stay in the real temp folder; each test module removes its own, and the run ends by sweeping
 * stale ones and the folder once empty.
 *
 * @module
 */
import { PORTS_DIR, sweepPorts } from "./_ports.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const IGNORED_IN_REPO = ["node_modules/"];

/** The repository's untracked and ignored entries (undefined outside a git work tree). */
async function repoEntries(): Promise<Set<string> | undefined> {
  try {
    const out = await new Deno.Command("git", {
      args: ["status", "--porcelain", "--ignored"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return undefined;
    const lines = new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
    return new Set(lines.filter((l) => !IGNORED_IN_REPO.some((p) => l.slice(3).startsWith(p))));
  } catch {
    return undefined; // no git
  }
}

/** Paths under `dir`, depth first, relative to it. */
function listTree(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(`${dir}/${prefix}`)) {
    const rel = `${prefix}${entry.name}`;
    out.push(entry.isDirectory ? `${rel}/` : rel);
    if (entry.isDirectory && out.length < 200) out.push(...listTree(dir, `${rel}/`));
  }
  return out;
}

const before = await repoEntries();
const tmp = await Deno.makeTempDir({ prefix: "zcluster-test-run-" });
const child = new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", "--parallel", ...Deno.args],
  cwd: ROOT,
  env: { TMPDIR: tmp, ZCLUSTER_TEST_PORTS_DIR: PORTS_DIR },
  stdin: "inherit",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
const forward = () => child.kill("SIGINT");
Deno.addSignalListener("SIGINT", forward);
const status = await child.status;
Deno.removeSignalListener("SIGINT", forward);

const leftInTmp = listTree(tmp);
await Deno.remove(tmp, { recursive: true });
const after = await repoEntries();
const leftInRepo = before && after ? [...after].filter((e) => !before.has(e)) : [];
const heldPorts = sweepPorts();

let code = status.success ? 0 : (status.code || 1);
if (leftInTmp.length > 0 || leftInRepo.length > 0) {
  console.error("\nFAILED: the tests left files behind (each test must remove what it creates):");
  for (const path of leftInTmp.slice(0, 50)) console.error(`  $TMPDIR/${path}`);
  for (const line of leftInRepo) console.error(`  repository: ${line}`);
  code = code || 1;
} else {
  console.error(
    `\nthe tests left nothing behind (temp folder and repository checked${
      heldPorts > 0 ? `; ${PORTS_DIR} keeps ${heldPorts} fresh reservations of other test runs` : ""
    })`,
  );
}
Deno.exit(code);
