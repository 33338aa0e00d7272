/**
 * `zcluster systemd` and the systemd generator, through the CLI: what the units carry, what they
 * refuse, and the units run as systemd runs them (working directory, environment, `ExecStart=`).
 */
import assert from "node:assert/strict";
import { freePorts, MAIN, runCli, waitFor } from "../_fixtures.ts";

/** A temp directory removed after `fn`, whatever happens. */
async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-systemd-cli-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs `zcluster` in a directory. */
async function runIn(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A two-node layout on free ports, with its proxy endpoints, written to `dir/layout.json`. */
async function writeTwoNodeLayout(dir: string): Promise<string> {
  const [m, l, xpub, xsub] = freePorts(4);
  const path = `${dir}/layout.json`;
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      manager: {
        nodeType: "MANAGER",
        ip: "127.0.0.1",
        p: m,
        proxyXpub: `tcp://127.0.0.1:${xpub}`,
        proxyXsub: `tcp://127.0.0.1:${xsub}`,
      },
      "logger-1": { nodeType: "LOGGER", ip: "127.0.0.1", p: l, manager: "manager" },
    }),
  );
  return path;
}

/** `key=value` lines of a unit file, `ExecStart` and all. */
async function unitLines(path: string): Promise<string[]> {
  return (await Deno.readTextFile(path)).split("\n");
}

Deno.test("zcluster systemd carries --log-dir, --rotate and the other node flags into every unit, --websocket into the manager's, and a WorkingDirectory", async () => {
  await withTempDir(async (dir) => {
    const layout = await writeTwoNodeLayout(dir);
    const r = await runIn(dir, [
      "systemd",
      "--layout",
      layout,
      "--binary",
      "/usr/local/bin/zcluster",
      "--out",
      `${dir}/units`,
      "--log-dir",
      "/var/log/zeek",
      "--rotate",
      "1h",
      "--set",
      "zeromq.lingerMs=100",
      "--websocket",
      "27759",
      "--user",
      "zeek",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const real = await Deno.realPath(dir);
    const manager = await unitLines(`${dir}/units/zcluster-manager.service`);
    const logger = await unitLines(`${dir}/units/zcluster-logger-1.service`);
    const exec = `ExecStart=/usr/local/bin/zcluster run --layout ${real}/layout.json ` +
      `--log-dir /var/log/zeek --rotate 1h --set zeromq.lingerMs=100`;
    assert.ok(logger.includes(exec), logger.join("\n"));
    assert.ok(manager.includes(`${exec} --websocket 27759`), manager.join("\n"));
    for (const unit of [manager, logger]) {
      assert.ok(unit.includes(`WorkingDirectory=${real}`), unit.join("\n"));
      assert.ok(unit.includes("User=zeek"));
    }
    assert.match(r.stdout, new RegExp(`WorkingDirectory=${real} `));
    const wd = await runIn(dir, [
      "systemd",
      "--layout",
      layout,
      "--binary",
      "/z",
      "--out",
      `${dir}/units2`,
      "--working-dir",
      "/var/lib/zcluster",
    ]);
    assert.equal(wd.code, 0, wd.stderr);
    assert.ok(
      (await unitLines(`${dir}/units2/zcluster-manager.service`)).includes(
        "WorkingDirectory=/var/lib/zcluster",
      ),
    );
  });
});

Deno.test("zcluster systemd exits 2 for a relative binary, a relative working directory and an unknown node", async () => {
  await withTempDir(async (dir) => {
    const layout = await writeTwoNodeLayout(dir);
    const base = ["systemd", "--layout", layout, "--out", `${dir}/units`];
    const relative = await runIn(dir, [...base, "--binary", "dist/zcluster"]);
    assert.equal(relative.code, 2, relative.stderr);
    assert.match(relative.stderr, /Invalid binary "dist\/zcluster": expected an absolute path/);
    const wd = await runIn(dir, [...base, "--binary", "/z", "--working-dir", "srv"]);
    assert.equal(wd.code, 2, wd.stderr);
    assert.match(wd.stderr, /Invalid working directory "srv"/);
    const unknown = await runIn(dir, [...base, "--binary", "/z", "logger-1", "bogus"]);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /Unknown node "bogus"/);
    assert.equal(await Deno.stat(`${dir}/units`).catch(() => null), null, "nothing written");
  });
});

Deno.test("zcluster --help names --working-dir, --user and the generator", async () => {
  const r = await runCli(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--working-dir DIR/);
  assert.match(r.stdout, /--user USER/);
  assert.match(r.stdout, /systemd-generator/);
});

Deno.test("zcluster as a systemd generator (three directories) writes the units of its configuration file, and nothing without one", async () => {
  await withTempDir(async (dir) => {
    const layout = await writeTwoNodeLayout(dir);
    const dirs = ["normal", "early", "late"].map((d) => `${dir}/${d}`);
    const env = { ZCLUSTER_SYSTEMD_CONFIG: `${dir}/systemd.json` };
    const none = await runIn("/", dirs, env);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(await Deno.stat(dirs[0]!).catch(() => null), null);

    await Deno.writeTextFile(
      `${dir}/systemd.json`,
      JSON.stringify([
        "--layout",
        layout,
        "--binary",
        "/usr/local/bin/zcluster",
        "--working-dir",
        "/var/lib/zcluster",
        "--log-dir",
        "/var/log/zeek",
        "--rotate",
        "1h",
      ]),
    );
    const r = await runIn("/", dirs, env);
    assert.equal(r.code, 0, r.stderr);
    const names = [...Deno.readDirSync(dirs[0]!)].map((e) => e.name).sort();
    assert.deepEqual(names, [
      "multi-user.target.wants",
      "zcluster-logger-1.service",
      "zcluster-manager.service",
      "zcluster.target",
    ]);
    assert.equal(
      await Deno.readLink(`${dirs[0]}/multi-user.target.wants/zcluster.target`),
      "../zcluster.target",
    );
    const logger = await unitLines(`${dirs[0]}/zcluster-logger-1.service`);
    assert.ok(
      logger.includes(
        `ExecStart=/usr/local/bin/zcluster run --layout ${await Deno.realPath(layout)} ` +
          "--log-dir /var/log/zeek --rotate 1h",
      ),
      logger.join("\n"),
    );
    assert.ok(logger.includes("WorkingDirectory=/var/lib/zcluster"));

    // The explicit form, and a configuration without --working-dir (a generator runs in /).
    await Deno.writeTextFile(
      `${dir}/systemd.json`,
      JSON.stringify(["--layout", layout, "--binary", "/z"]),
    );
    const bad = await runIn("/", ["systemd-generator", `${dir}/n2`], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /needs --working-dir/);
  });
});

/** Splits an `ExecStart=` line written by quoteExecWord for words without quotes or specifiers. */
function execWords(unit: string[]): string[] {
  const line = unit.find((l) => l.startsWith("ExecStart="))!;
  return line.slice("ExecStart=".length).split(" ");
}

Deno.test("units from zcluster systemd, run as systemd runs them, log where --log-dir says, relative to WorkingDirectory, with the --rotate given", async () => {
  await withTempDir(async (dir) => {
    const layout = await writeTwoNodeLayout(dir);
    // The program of the units: this checkout's main.ts under this deno.
    const binary = `${dir}/zcluster`;
    await Deno.writeTextFile(
      binary,
      `#!/bin/sh\nexec "${Deno.execPath()}" run -A "${MAIN}" "$@"\n`,
      { mode: 0o755 },
    );
    await Deno.mkdir(`${dir}/wd`);
    const r = await runIn(dir, [
      "systemd",
      "--layout",
      layout,
      "--binary",
      binary,
      "--out",
      `${dir}/units`,
      "--working-dir",
      `${dir}/wd`,
      "--log-dir",
      "site-logs",
      "--rotate",
      "0",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const procs: Deno.ChildProcess[] = [];
    try {
      for (const node of ["manager", "logger-1"]) {
        const unit = await unitLines(`${dir}/units/zcluster-${node}.service`);
        const cwd = unit.find((l) => l.startsWith("WorkingDirectory="))!.split("=")[1]!;
        const envLine = unit.find((l) => l.startsWith("Environment="))!;
        const [name, value] = envLine.slice("Environment=".length).split("=");
        const [program, ...args] = execWords(unit);
        procs.push(
          new Deno.Command(program!, {
            args,
            cwd,
            env: { [name!]: value! },
            stdin: "null",
            stdout: "null",
            stderr: "null",
          }).spawn(),
        );
      }
      await waitFor(
        async () => (await Deno.stat(`${dir}/wd/site-logs/cluster.log`).catch(() => null)) !== null,
        30_000,
        "the logger's cluster.log in WorkingDirectory/site-logs",
      );
    } finally {
      for (const p of procs) p.kill("SIGTERM");
      for (const p of procs) await p.status;
    }
    // --rotate 0 reached the logger: no rotation at shutdown (a logger's default is 1 h, which
    // rotates the files as it stops).
    const files = [...Deno.readDirSync(`${dir}/wd/site-logs`)].map((e) => e.name);
    assert.ok(files.includes("cluster.log"), files.join(", "));
    assert.ok(!files.some((f) => /^cluster\..+\.log$/.test(f)), files.join(", "));
    assert.deepEqual([...Deno.readDirSync(`${dir}/wd`)].map((e) => e.name), ["site-logs"]);
  });
});
