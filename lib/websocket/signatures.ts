/**
 * Event signatures on the WebSocket API: the stand-in for Zeek's event registry. A Zeek node
 * hosting the WebSocket API refuses events it does not know and arguments that do not convert
 * to the declared parameter types (spec B.6, `to_zeek_event`); zcluster does the same with the
 * events declared in site code (`cluster.declare()`, typed `cluster.on()`) and, optionally, a
 * static table of signatures. What happens to events nobody declared is the
 * {@link UndeclaredEventPolicy}.
 *
 * @module
 */

import { checkEventArgs, type ZeekEvent, type ZeekParamType } from "../serialization/mod.ts";

export type { ZeekParamType } from "../serialization/mod.ts";

/** Known events by fully qualified name, each with its parameter types in order. */
export type EventSignatures = Readonly<Record<string, readonly ZeekParamType[]>>;

/** Looks up a declared event's parameter types (a `Cluster`'s `signatureOf` fits). */
export type SignatureLookup = (name: string) => readonly ZeekParamType[] | undefined;

/**
 * What the WebSocket API does with an event no signature declares: `refuse` answers
 * `failed to create Zeek event` and publishes nothing, as Zeek does for an event it has no
 * declaration of (the default); `accept` publishes it unchecked (a relay that forwards events
 * the hosting node does not know).
 */
export type UndeclaredEventPolicy = "refuse" | "accept";

/** The default {@link UndeclaredEventPolicy}: Zeek's. */
export const DEFAULT_UNDECLARED_EVENTS: UndeclaredEventPolicy = "refuse";

/** Options of {@link checkEventSignature}. */
export interface SignatureCheckOptions {
  /** Live declarations, usually the node's `cluster.signatureOf` (after the table). */
  readonly lookup?: SignatureLookup;
  /** Events neither declares (default {@link DEFAULT_UNDECLARED_EVENTS}). */
  readonly undeclared?: UndeclaredEventPolicy;
}

/**
 * Checks an event against its declaration, as Zeek converts a client's event.
 *
 * @param event The decoded event.
 * @param signatures A static table, checked first.
 * @param options Live declarations and what to do with undeclared events.
 * @returns `undefined` when the event may be published, else why not (for the server's log).
 *
 * @example
 * ```ts
 * import { count } from "../serialization/mod.ts";
 * import { checkEventSignature } from "./signatures.ts";
 * const sigs = { ping: ["string", "count"] } as const;
 * checkEventSignature({ name: "ping", args: ["hi", count(1)] }, sigs); // undefined
 * checkEventSignature({ name: "pong", args: [] }, sigs); // "Failed to lookup handler for 'pong'"
 * checkEventSignature({ name: "pong", args: [] }, sigs, { undeclared: "accept" }); // undefined
 * ```
 */
export function checkEventSignature(
  event: ZeekEvent,
  signatures: EventSignatures | undefined,
  options: SignatureCheckOptions = {},
): string | undefined {
  const params =
    (signatures && Object.hasOwn(signatures, event.name) ? signatures[event.name] : undefined) ??
      options.lookup?.(event.name);
  if (params === undefined) {
    return (options.undeclared ?? DEFAULT_UNDECLARED_EVENTS) === "accept"
      ? undefined
      : `Failed to lookup handler for '${event.name}'`;
  }
  return checkEventArgs(event, params);
}
