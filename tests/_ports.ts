/**
 * Free TCP ports for tests, benchmarks and fixtures that must name a port before something binds it.
 *
 * Binding port 0 and releasing it is racy twice over under `deno test --parallel`: the kernel hands
 * out that port again as the source port of any outgoing connection (ZeroMQ peers connect all the
 * time), and another test process may pick the same number. So ports come from below the kernel's
 * ephemeral range (never used as source ports), and each one is reserved across processes with a
 * lock file created exclusively; reservations go stale after {@linkcode STALE_MS}. A test module
 * removes its own reservations when it ends, and the folder when it is then empty, so that a test
 * run leaves nothing behind.
 *
 * @module
 */

/** A reservation older than this is free again. */
export const STALE_MS = 20 * 60_000;

/**
 * The folder of reservations, shared by every test process of this machine (so not under a test
 * run's private `TMPDIR`: `ZCLUSTER_TEST_PORTS_DIR` names it for those).
 */
export const PORTS_DIR = Deno.env.get("ZCLUSTER_TEST_PORTS_DIR") ??
  `${Deno.env.get("TMPDIR") ?? "/tmp"}/zcluster-test-ports`;
const LOCK_DIR = PORTS_DIR;
const LOWEST = 10_000;

/** Ports this test module reserved, released when it ends. */
const reserved = new Set<number>();
globalThis.addEventListener("unload", () => {
  for (const port of reserved) {
    const path = `${LOCK_DIR}/${port}`;
    try {
      // Only if still ours: a stale reservation may have been taken over since.
      if (Deno.readTextFileSync(path).trim() === String(Deno.pid)) Deno.removeSync(path);
    } catch { /* gone */ }
  }
  removeIfEmpty();
});

function removeIfEmpty(): void {
  try {
    Deno.removeSync(LOCK_DIR); // not recursive: fails while another process has reservations
  } catch { /* not empty, or gone */ }
}

/**
 * Removes stale reservations (left by killed runs) and the folder once empty: the end of a test run.
 *
 * @returns the reservations left (younger than {@linkcode STALE_MS}: other test runs')
 */
export function sweepPorts(): number {
  let held = 0;
  try {
    for (const entry of Deno.readDirSync(LOCK_DIR)) {
      const path = `${LOCK_DIR}/${entry.name}`;
      try {
        const age = Date.now() - (Deno.statSync(path).mtime?.getTime() ?? 0);
        if (age >= STALE_MS) Deno.removeSync(path);
        else held++;
      } catch { /* gone meanwhile */ }
    }
  } catch {
    return 0; // no folder
  }
  if (held === 0) removeIfEmpty();
  return held;
}

/** Ports outside the kernel's ephemeral range, as `[first, last]`. */
function candidateRange(): [number, number] {
  let low = 32_768, high = 60_999;
  try {
    const text = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range");
    const [a, b] = text.trim().split(/\s+/).map(Number);
    if (Number.isInteger(a) && Number.isInteger(b)) [low, high] = [a!, b!];
  } catch {
    // Not Linux: keep the usual defaults.
  }
  if (low - LOWEST >= 2_000) return [LOWEST, low - 1];
  if (65_535 - high >= 2_000) return [high + 1, 65_535];
  throw new Error(`No room for test ports outside the ephemeral range ${low}-${high}`);
}

/** Takes the lock for `port`, or returns false when another process holds a fresh one. */
function reserve(port: number): boolean {
  const path = `${LOCK_DIR}/${port}`;
  try {
    Deno.writeTextFileSync(path, `${Deno.pid}\n`, { createNew: true });
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      // Another module ending removed the folder, empty, meanwhile: make it again.
      Deno.mkdirSync(LOCK_DIR, { recursive: true });
      return reserve(port);
    }
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  try {
    const age = Date.now() - (Deno.statSync(path).mtime?.getTime() ?? 0);
    if (age < STALE_MS) return false;
    Deno.writeTextFileSync(path, `${Deno.pid}\n`); // refreshes the mtime
    return true;
  } catch {
    return false;
  }
}

/** True when nothing listens on `port` at `hostname` right now. */
function bindable(hostname: string, port: number): boolean {
  try {
    Deno.listen({ hostname, port }).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Reserves `count` distinct free TCP ports on `hostname`.
 *
 * @param count How many ports.
 * @param hostname Where they must be free (default 127.0.0.1).
 * @returns Port numbers, reserved for this process for {@linkcode STALE_MS}.
 */
export function freePorts(count: number, hostname = "127.0.0.1"): number[] {
  Deno.mkdirSync(LOCK_DIR, { recursive: true });
  const [first, last] = candidateRange();
  const span = last - first + 1;
  let candidate = first + Math.floor(Math.random() * span);
  const ports: number[] = [];
  for (let tried = 0; ports.length < count; tried++) {
    if (tried >= span) throw new Error(`Only ${ports.length} of ${count} free ports found`);
    candidate = candidate >= last ? first : candidate + 1;
    if (reserve(candidate)) {
      reserved.add(candidate);
      if (bindable(hostname, candidate)) ports.push(candidate);
    }
  }
  return ports;
}

/** One free TCP port on 127.0.0.1 (see {@linkcode freePorts}). */
export function freePort(): number {
  return freePorts(1)[0]!;
}
