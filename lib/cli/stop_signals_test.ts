import assert from "node:assert/strict";

const MODULE = new URL("./stop_signals.ts", import.meta.url).href;

/** Runs `body` in a fresh Deno process (it signals itself) with `onStopSignal` imported. */
async function inChild(body: string): Promise<{ code: number; out: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", `import { onStopSignal } from "${MODULE}";\n${body}`],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return { code: out.code, out: new TextDecoder().decode(out.stdout) };
}

const settle = "await new Promise((r) => setTimeout(r, 200));";

Deno.test("onStopSignal(): a process stopping by signal survives a second one after the cleanup", async () => {
  const r = await inChild(`
    const controller = new AbortController();
    const cleanup = onStopSignal(controller);
    Deno.kill(Deno.pid, "SIGTERM");
    ${settle}
    console.log("aborted", controller.signal.aborted);
    cleanup(); // the stop is done: the process is on its way out
    Deno.kill(Deno.pid, "SIGTERM"); // the supervisor's, or a second Ctrl-C
    Deno.kill(Deno.pid, "SIGINT");
    ${settle}
    console.log("alive");
  `);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.out, "aborted true\nalive\n");
});

Deno.test("onStopSignal(): without a stop the cleanup gives the signals their default action back", async () => {
  const r = await inChild(`
    const controller = new AbortController();
    onStopSignal(controller)();
    console.log("listening no more");
    Deno.kill(Deno.pid, "SIGTERM");
    ${settle}
    console.log("not reached");
  `);
  assert.equal(r.code, 143);
  assert.equal(r.out, "listening no more\n");
});
