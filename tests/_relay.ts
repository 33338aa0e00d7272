/**
 * A TCP relay for tests: put between a node and one of the proxy's ports, it lets a test cut that
 * one connection (both ends see it close) while the node's other connections stay up, which is how
 * a hung node looks when heartbeats drop its two proxy connections at different moments.
 *
 * @module
 */
import { freePorts } from "./_ports.ts";

/** A listening relay to one target; see {@link startRelay}. */
export interface Relay extends AsyncDisposable {
  /** `tcp://127.0.0.1:<port>` for a node to connect to instead of the target. */
  readonly endpoint: string;
  /** Connections relayed so far (a reconnect adds one). */
  readonly accepted: number;
  /** Closes every relayed connection now; new ones are still accepted. @returns how many. */
  cut(): number;
}

/**
 * Starts a relay on a free loopback port to `target`.
 *
 * @example
 * ```ts
 * await using relay = await startRelay("tcp://127.0.0.1:5555");
 * relay.cut();
 * ```
 *
 * @param target `tcp://host:port` to relay to.
 * @returns The relay; disposing it closes the listener and every connection.
 */
export async function startRelay(target: string): Promise<Relay> {
  const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(target);
  if (m === null) throw new TypeError(`relay target ${target}: expected tcp://host:port`);
  const [port] = await freePorts(1);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: port! });
  const open = new Set<Deno.Conn>();
  const pumps = new Set<Promise<unknown>>();
  let accepted = 0;
  const close = (c: Deno.Conn) => {
    if (!open.delete(c)) return;
    try {
      c.close();
    } catch { /* closed */ }
  };
  const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
    try {
      await from.readable.pipeTo(to.writable, { preventClose: true });
    } catch { /* cut */ }
    close(from);
    close(to);
  };
  const accepting = (async () => {
    for await (const inbound of listener) {
      accepted++;
      open.add(inbound);
      let outbound: Deno.Conn;
      try {
        outbound = await Deno.connect({ hostname: m[1]!, port: Number(m[2]) });
      } catch {
        close(inbound);
        continue;
      }
      open.add(outbound);
      const both = Promise.all([pipe(inbound, outbound), pipe(outbound, inbound)]);
      pumps.add(both);
      both.finally(() => pumps.delete(both));
    }
  })().catch(() => {});
  return {
    endpoint: `tcp://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    cut() {
      const n = open.size;
      for (const c of [...open]) close(c);
      return n;
    },
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of [...open]) close(c);
      await accepting;
      await Promise.all([...pumps]);
    },
  };
}
