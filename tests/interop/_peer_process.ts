/**
 * Runs `zeek_peer.py` (the independent Python "Zeek" node) under Debian's `/usr/bin/python3` and
 * collects the JSON lines it prints. `await using peer = startPeer(...)` kills it if it is still
 * running at the end of the test.
 *
 * @module
 */
import { waitFor } from "../_fixtures.ts";

/** Debian's interpreter: the one that sees the `python3-zmq` package. */
export const PYTHON = "/usr/bin/python3";
/** The peer script. */
export const PEER_SCRIPT = new URL("./zeek_peer.py", import.meta.url).pathname;

/** A value as the peer prints it: `[broker type name, value]`. */
export type Typed = readonly [type: string, value: unknown];

/** One line of the peer's output. */
export interface Observation {
  readonly kind: string;
  readonly [field: string]: unknown;
}

/**
 * Fails with a clear message when Debian's python3 or its `zmq` module is missing.
 *
 * @throws {Error} Naming the Debian package to install.
 */
export async function requirePythonZmq(): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(PYTHON, {
      args: ["-c", "import zmq; print(zmq.zmq_version())"],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(
      `Cannot run ${PYTHON}: ${
        (error as Error).message
      }; install the Debian packages python3 and ` +
        `python3-zmq (apt-get install -y python3-zmq; CI's .ci/run installs them)`,
    );
  }
  if (!out.success) {
    throw new Error(
      `Cannot import zmq in ${PYTHON}: install the Debian package python3-zmq ` +
        `(apt-get install -y python3-zmq; CI's .ci/run installs it)\n` +
        new TextDecoder().decode(out.stderr),
    );
  }
}

/** A running peer process. */
export class PeerProcess implements AsyncDisposable {
  /** Parsed stdout lines, in order. */
  readonly observations: Observation[] = [];
  /** Raw stderr lines (Python tracebacks). */
  readonly stderr: string[] = [];
  /** Resolves with the exit status once the output is drained. */
  readonly status: Promise<Deno.CommandStatus>;
  readonly #proc: Deno.ChildProcess;

  /** @param args Arguments of `zeek_peer.py`. */
  constructor(args: readonly string[]) {
    this.#proc = new Deno.Command(PYTHON, {
      args: ["-u", "-B", PEER_SCRIPT, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = Promise.all([
      this.#pump(this.#proc.stdout, (line) => this.observations.push(parse(line))),
      this.#pump(this.#proc.stderr, (line) => this.stderr.push(line)),
    ]);
    this.status = this.#proc.status.then(async (s) => {
      await output;
      return s;
    });
  }

  /** Observations of one kind. */
  all(kind: string): Observation[] {
    return this.observations.filter((o) => o.kind === kind);
  }

  /**
   * Waits for an observation of `kind` that satisfies `match`.
   *
   * @returns The first such observation.
   * @throws {Error} On timeout, with the peer's recent output.
   */
  async waitFor(
    kind: string,
    match: (o: Observation) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<Observation> {
    let found: Observation | undefined;
    await waitFor(
      () => (found = this.all(kind).find(match)) !== undefined,
      timeoutMs,
      () => `peer output "${kind}"\n--- peer output:\n${this.#tail()}`,
    );
    return found!;
  }

  #tail(): string {
    const out = this.observations.slice(-30).map((o) => JSON.stringify(o));
    return [...out, ...this.stderr.slice(-20)].join("\n");
  }

  async #pump(stream: ReadableStream<Uint8Array>, sink: (line: string) => void): Promise<void> {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const line of parts) if (line) sink(line);
    }
    if (pending) sink(pending);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#proc.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.status;
  }
}

function parse(line: string): Observation {
  try {
    return JSON.parse(line) as Observation;
  } catch {
    return { kind: "unparsable", line };
  }
}
