/**
 * Child processes of the chaos suite: each runs inside a host namespace (`ip netns exec`, which
 * execs in place, so the pid is the program's), in its own session and process group, with its
 * output kept line by line with the time each line arrived. Every process started is tracked so
 * that one call kills them all.
 *
 * @module
 */

/** One output line. */
export interface Line {
  /** Epoch ms when the suite read it. */
  readonly at: number;
  readonly text: string;
}

/** Options of {@link Spawner.spawn}. */
export interface SpawnOptions {
  /** Namespace to run in. */
  readonly ns: string;
  /** Program and arguments. */
  readonly argv: readonly string[];
  /** Label for messages. */
  readonly label: string;
  /** Keep stdin open as a command channel (closing it tells the site to stop). */
  readonly stdin?: boolean;
}

/** A running (or ended) child. */
export class Child {
  readonly label: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly lines: Line[] = [];
  readonly status: Promise<Deno.CommandStatus>;
  /** Epoch ms when the process ended (set once `status` resolves). */
  endedAt: number | undefined;
  readonly #proc: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;

  constructor(label: string, proc: Deno.ChildProcess, withStdin: boolean) {
    this.label = label;
    this.#proc = proc;
    this.pid = proc.pid;
    this.startedAt = Date.now();
    this.#writer = withStdin ? proc.stdin.getWriter() : undefined;
    const output = Promise.all([this.#pump(proc.stdout), this.#pump(proc.stderr)]).catch(() => {});
    this.status = proc.status.then(async (s) => {
      this.endedAt = Date.now();
      await Promise.race([output, new Promise((r) => setTimeout(r, 2000))]);
      await this.#writer?.close().catch(() => {});
      return s;
    });
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    const dec = new TextDecoder();
    let pending = "";
    for await (const chunk of stream) {
      pending += dec.decode(chunk, { stream: true });
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      const at = Date.now();
      for (const text of parts) this.lines.push({ at, text });
    }
    if (pending) this.lines.push({ at: Date.now(), text: pending });
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.endedAt === undefined;
  }

  /** Sends a signal to the process group (falls back to the process). */
  signal(sig: Deno.Signal): void {
    if (!this.running) return;
    try {
      Deno.kill(-this.pid, sig);
    } catch {
      try {
        Deno.kill(this.pid, sig);
      } catch { /* gone */ }
    }
  }

  /** Writes one command line on stdin (ignored once the process is gone). */
  async send(command: Record<string, unknown>): Promise<void> {
    if (!this.#writer || !this.running) return;
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(command) + "\n")).catch(
      () => {},
    );
  }
}

/** Starts children and remembers them all. */
export class Spawner implements AsyncDisposable {
  readonly #children = new Set<Child>();

  /**
   * Starts a program inside a namespace.
   *
   * @param options Namespace, argv, label.
   * @returns The child.
   */
  spawn(options: SpawnOptions): Child {
    const proc = new Deno.Command("ip", {
      args: ["netns", "exec", options.ns, ...options.argv],
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
    const child = new Child(options.label, proc, options.stdin ?? false);
    this.#children.add(child);
    child.status.then(() => this.#children.delete(child));
    return child;
  }

  /** Children still running. */
  get running(): Child[] {
    return [...this.#children].filter((c) => c.running);
  }

  /** SIGKILLs every child's process group and waits (bounded) for them. */
  async killAll(): Promise<void> {
    const all = [...this.#children];
    for (const c of all) c.signal("SIGKILL");
    await Promise.race([
      Promise.all(all.map((c) => c.status)),
      new Promise((r) => setTimeout(r, 5000)),
    ]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.killAll();
  }
}

/** Resident set size of a process in bytes, or undefined when it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** Open file descriptors of a process, or undefined when it is gone. */
export function fdCount(pid: number): number | undefined {
  try {
    let n = 0;
    for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) n++;
    return n;
  } catch {
    return undefined;
  }
}
