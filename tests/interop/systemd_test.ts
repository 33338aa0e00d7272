/**
 * Generated systemd units against `systemd-analyze verify` (Debian package `systemd`): every unit
 * must load with no error and no warning, with the program being a small script or deno itself.
 */
import assert from "node:assert/strict";
import {
  renderSystemdUnits,
  writeGeneratorUnits,
  writeSystemdUnits,
} from "../../lib/deploy/mod.ts";
import { parseLayout } from "../../lib/layout/parse_layout.ts";
import { MAIN } from "../_fixtures.ts";

const LAYOUT = parseLayout({
  manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762, metricsPort: 9991 },
  "logger-1": { nodeType: "LOGGER", ip: "127.0.0.1", p: 27763, manager: "manager" },
  "proxy-1": { nodeType: "PROXY", ip: "127.0.0.1", p: 27764, manager: "manager" },
  "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 27765, manager: "manager" },
  "worker@2": { nodeType: "WORKER", ip: "127.0.0.1", p: 27766, manager: "manager" },
  control: { nodeType: "CONTROL", ip: "127.0.0.1", p: 27767 },
});

/** Runs `systemd-analyze verify` on files; fails naming the package when it is missing. */
async function verify(paths: string[]): Promise<{ code: number; output: string }> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("systemd-analyze", {
      args: ["verify", "--man=no", ...paths],
      stdout: "piped",
      stderr: "piped",
      env: { SYSTEMD_LOG_COLOR: "0" },
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        "systemd-analyze not found: install the Debian package systemd (apt-get install -y systemd)",
      );
    }
    throw error;
  }
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-systemd-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function ourLines(output: string, dir: string): string[] {
  return output.split("\n").filter((l) => l.includes(dir) || l.includes("zcluster"));
}

Deno.test("systemd-analyze verify accepts every unit (program: an executable script)", async () => {
  await withDir(async (dir) => {
    const binary = `${dir}/zcluster`;
    await Deno.writeTextFile(binary, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const layoutPath = `${dir}/layout.json`;
    await Deno.writeTextFile(layoutPath, JSON.stringify(LAYOUT));
    const files = renderSystemdUnits({
      layout: LAYOUT,
      binary,
      layoutPath,
      user: "root",
      workingDir: dir,
      extraArgs: ["--log-dir", `${dir}/log dir`, "--set", "zeromq.lingerMs=100"],
    });
    assert.equal(files.length, 6);
    const paths = await writeSystemdUnits(`${dir}/units`, files);
    const { code, output } = await verify(paths);
    assert.equal(code, 0, output);
    assert.deepEqual(ourLines(output, dir), [], output);
  });
});

Deno.test("systemd-analyze verify accepts units that run main.ts with deno", async () => {
  await withDir(async (dir) => {
    const files = renderSystemdUnits({
      workingDir: dir,
      layout: LAYOUT,
      binary: Deno.execPath(),
      binaryArgs: ["run", "-A", MAIN],
      nodes: ["worker-1", "worker@2"],
    });
    const paths = await writeSystemdUnits(dir, files);
    const { code, output } = await verify(paths);
    assert.equal(code, 0, output);
    assert.deepEqual(ourLines(output, dir), [], output);
  });
});

Deno.test("systemd-analyze verify rejects a unit whose program is missing (the check bites)", async () => {
  await withDir(async (dir) => {
    const files = renderSystemdUnits({
      workingDir: dir,
      layout: LAYOUT,
      binary: `${dir}/missing`,
      nodes: ["manager"],
    });
    const paths = await writeSystemdUnits(dir, files);
    const { code, output } = await verify(paths);
    assert.notEqual(code, 0);
    assert.match(output, /is not executable/);
  });
});

Deno.test("systemd-analyze verify accepts generator output: per-node flags, WorkingDirectory, the wants link", async () => {
  await withDir(async (dir) => {
    const binary = `${dir}/zcluster`;
    await Deno.writeTextFile(binary, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const files = renderSystemdUnits({
      layout: LAYOUT,
      binary,
      workingDir: dir,
      extraArgs: ["--log-dir", "logs", "--rotate", "1h"],
      nodeArgs: { manager: ["--websocket", "127.0.0.1:27759"] },
    });
    const paths = await writeGeneratorUnits(`${dir}/normal`, files);
    const units = paths.filter((p) => !p.includes(".wants/"));
    const { code, output } = await verify(units);
    assert.equal(code, 0, output);
    assert.deepEqual(ourLines(output, dir), [], output);
    assert.equal(await Deno.readLink(paths.at(-1)!), "../zcluster.target");
  });
});
