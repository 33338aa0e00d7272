import assert from "node:assert/strict";
import { parseLayout } from "../layout/parse_layout.ts";
import {
  GENERATOR_WANTS_LINK,
  quoteExecWord,
  renderSystemdUnits,
  serviceName,
  type SystemdFile,
  writeGeneratorUnits,
  writeSystemdUnits,
} from "./systemd.ts";

const layout = parseLayout({
  manager: { nodeType: "MANAGER", ip: "10.0.0.1", p: 27762 },
  "logger-1": { nodeType: "LOGGER", ip: "10.0.0.1", p: 27763, manager: "manager" },
  "worker-1": { nodeType: "WORKER", ip: "10.0.0.2", p: 27764, manager: "manager" },
  ctl: { nodeType: "CONTROL", ip: "10.0.0.1", p: 27765 },
});

function unit(files: SystemdFile[], name: string): string[] {
  const file = files.find((f) => f.name === name);
  assert.ok(file, `no ${name} in ${files.map((f) => f.name).join(", ")}`);
  return file.content.split("\n");
}

Deno.test("renderSystemdUnits() writes one service per node zcluster runs, and the target", () => {
  const files = renderSystemdUnits({
    workingDir: "/srv/zcluster",
    layout,
    binary: "/usr/local/bin/zcluster",
    layoutPath: "/etc/zcluster/layout.json",
  });
  assert.deepEqual(files.map((f) => f.name), [
    "zcluster-manager.service",
    "zcluster-logger-1.service",
    "zcluster-worker-1.service",
    "zcluster.target",
  ]);
  const target = unit(files, "zcluster.target");
  assert.ok(target.includes(
    "Wants=zcluster-manager.service zcluster-logger-1.service zcluster-worker-1.service",
  ));
  assert.ok(target.includes("WantedBy=multi-user.target"));
});

Deno.test("renderSystemdUnits() service units run the node with restart and stop settings", () => {
  const files = renderSystemdUnits({
    layout,
    binary: "/usr/local/bin/zcluster",
    layoutPath: "/etc/zcluster/layout.json",
    user: "zeek",
    workingDir: "/var/lib/zcluster",
    extraArgs: ["--log-dir", "/var/log/zeek"],
    timeoutStopSec: 20,
  });
  const w1 = unit(files, "zcluster-worker-1.service");
  for (
    const line of [
      "[Unit]",
      "Description=zcluster worker node worker-1",
      "After=network-online.target zcluster-manager.service",
      "Wants=network-online.target zcluster-manager.service",
      "PartOf=zcluster.target",
      "[Service]",
      "Type=exec",
      "Environment=CLUSTER_NODE=worker-1",
      "ExecStart=/usr/local/bin/zcluster run --layout /etc/zcluster/layout.json --log-dir /var/log/zeek",
      "Restart=on-failure",
      "RestartSec=1",
      "RestartPreventExitStatus=2",
      "KillSignal=SIGTERM",
      "TimeoutStopSec=20",
      "User=zeek",
      "WorkingDirectory=/var/lib/zcluster",
      "[Install]",
      "WantedBy=zcluster.target",
    ]
  ) assert.ok(w1.includes(line), `worker-1 unit lacks ${line}:\n${w1.join("\n")}`);
  const manager = unit(files, "zcluster-manager.service");
  assert.ok(manager.includes("After=network-online.target"));
  assert.ok(manager.includes("Wants=network-online.target"));
  assert.ok(!manager.some((l) => l.includes("zcluster-manager.service")));
});

Deno.test("renderSystemdUnits() defaults: no --layout, root, 15 s stop timeout, deno as program; always a WorkingDirectory", () => {
  const files = renderSystemdUnits({
    workingDir: "/srv/zcluster",
    layout,
    binary: "/usr/bin/deno",
    binaryArgs: ["run", "-A", "/opt/zcluster/main.ts"],
  });
  const w1 = unit(files, "zcluster-worker-1.service");
  assert.ok(w1.includes("ExecStart=/usr/bin/deno run -A /opt/zcluster/main.ts run"));
  assert.ok(w1.includes("TimeoutStopSec=15"));
  assert.ok(!w1.some((l) => l.startsWith("User=")));
  assert.ok(w1.includes("WorkingDirectory=/srv/zcluster"));
});

Deno.test("renderSystemdUnits() for some nodes leaves out a manager that is elsewhere", () => {
  const files = renderSystemdUnits({
    workingDir: "/srv/zcluster",
    layout,
    binary: "/z",
    nodes: ["worker-1"],
  });
  assert.deepEqual(files.map((f) => f.name), ["zcluster-worker-1.service", "zcluster.target"]);
  assert.ok(unit(files, "zcluster-worker-1.service").includes("After=network-online.target"));
  assert.throws(
    () => renderSystemdUnits({ workingDir: "/srv/zcluster", layout, binary: "/z", nodes: ["ctl"] }),
    /CONTROL node: zcluster does not run it/,
  );
  assert.throws(
    () =>
      renderSystemdUnits({ workingDir: "/srv/zcluster", layout, binary: "/z", nodes: ["nope"] }),
    RangeError,
  );
});

Deno.test("renderSystemdUnits() rejects relative paths and values a unit cannot hold", () => {
  assert.throws(
    () => renderSystemdUnits({ workingDir: "/srv/zcluster", layout, binary: "zcluster" }),
    /absolute path/,
  );
  assert.throws(
    () =>
      renderSystemdUnits({
        workingDir: "/srv/zcluster",
        layout,
        binary: "/z",
        layoutPath: "site.json",
      }),
    /Invalid layout path "site.json"/,
  );
  assert.throws(
    () => renderSystemdUnits({ workingDir: "/srv/zcluster", layout, binary: "/z", user: "a\nb" }),
    TypeError,
  );
  assert.throws(
    () =>
      renderSystemdUnits({ workingDir: "/srv/zcluster", layout, binary: "/z", timeoutStopSec: 0 }),
    RangeError,
  );
  const at = parseLayout({ "m@1": { nodeType: "MANAGER", ip: "10.0.0.1", p: 1 } });
  const files = renderSystemdUnits({ workingDir: "/srv/zcluster", layout: at, binary: "/z" });
  assert.equal(files[0]!.name, "zcluster-m\\x401.service");
  assert.ok(files[0]!.content.includes("Environment=CLUSTER_NODE=m@1\n"));
});

Deno.test("quoteExecWord() escapes specifiers, variables, spaces and quotes", () => {
  assert.equal(quoteExecWord("/usr/bin/zcluster"), "/usr/bin/zcluster");
  assert.equal(quoteExecWord("100%"), "100%%");
  assert.equal(quoteExecWord("$HOME"), "$$HOME");
  assert.equal(quoteExecWord("/opt/my dir/l.json"), '"/opt/my dir/l.json"');
  assert.equal(quoteExecWord('say "hi"'), '"say \\"hi\\""');
  assert.equal(quoteExecWord(""), '""');
  assert.equal(serviceName("worker-1"), "zcluster-worker-1.service");
});

Deno.test("writeSystemdUnits() writes every file into the directory", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-units-" });
  try {
    const files = renderSystemdUnits({ workingDir: "/srv/zcluster", layout, binary: "/z" });
    const paths = await writeSystemdUnits(`${dir}/sub/`, files);
    assert.deepEqual(paths, files.map((f) => `${dir}/sub/${f.name}`));
    assert.equal(await Deno.readTextFile(paths[0]!), files[0]!.content);
    assert.equal((await Deno.stat(paths[0]!)).mode! & 0o777, 0o644);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderSystemdUnits() gives per-node flags to their node only", () => {
  const files = renderSystemdUnits({
    workingDir: "/srv/zcluster",
    layout,
    binary: "/z",
    extraArgs: ["--rotate", "1h"],
    nodeArgs: { manager: ["--websocket", "27759"] },
  });
  assert.ok(
    unit(files, "zcluster-manager.service").includes(
      "ExecStart=/z run --rotate 1h --websocket 27759",
    ),
  );
  assert.ok(unit(files, "zcluster-worker-1.service").includes("ExecStart=/z run --rotate 1h"));
  assert.throws(
    () =>
      renderSystemdUnits({ workingDir: "/w", layout, binary: "/z", nodeArgs: { nope: ["-x"] } }),
    /Unknown node "nope"/,
  );
  assert.throws(
    () => renderSystemdUnits({ workingDir: "var/lib", layout, binary: "/z" }),
    /Invalid working directory "var\/lib": expected an absolute path/,
  );
});

Deno.test("writeGeneratorUnits() writes the units and the link that starts the target at boot", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-units-" });
  try {
    const files = renderSystemdUnits({ workingDir: "/w", layout, binary: "/z" });
    for (let i = 0; i < 2; i++) {
      // Twice: systemd runs generators again on every daemon-reload, into the same directory.
      const paths = await writeGeneratorUnits(dir, files);
      assert.equal(paths.length, files.length + 1);
    }
    assert.equal(await Deno.readLink(`${dir}/${GENERATOR_WANTS_LINK}`), "../zcluster.target");
    assert.equal(
      await Deno.readTextFile(`${dir}/${GENERATOR_WANTS_LINK}`),
      files.at(-1)!.content,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
