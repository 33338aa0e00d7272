/**
 * Internal helpers of the ZeroMQ folder (errno codes, bind/connect with endpoint-naming errors).
 * Not re-exported.
 *
 * @module
 */

import { ZmqError, type ZmqSocket } from "./socket.ts";
import { describeError } from "../_util.ts";

/** The `code` of a {@linkcode ZmqError} (or any error with a string `code`), if any. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

/**
 * Binds `socket` or throws `Cannot bind <what> to <endpoint>: <reason>`.
 *
 * @throws {Error} naming the endpoint, with the libzmq error as `cause`.
 */
export function bindOrThrow(socket: ZmqSocket, what: string, endpoint: string): void {
  try {
    socket.bind(endpoint);
  } catch (error) {
    throw new Error(`Cannot bind ${what} to ${endpoint}: ${reasonOf(error)}`, { cause: error });
  }
}

/** A short lower-case reason for a libzmq errno error. */
export function reasonOf(error: unknown): string {
  switch (errorCode(error)) {
    case "EADDRINUSE":
      return "address in use";
    case "EADDRNOTAVAIL":
      return "address not available";
    case "EINVAL":
      return "invalid endpoint";
    case "EPROTONOSUPPORT":
      return "unsupported transport";
    case "ENODEV":
      return "no such device";
    default: {
      const m = error instanceof ZmqError ? error.reason : describeError(error);
      return m.charAt(0).toLowerCase() + m.slice(1);
    }
  }
}

/** Removes keys whose value is `undefined` so that spreading keeps the defaults. */
export function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Connects `socket` or throws `Cannot connect <what> to <endpoint>: <reason>`. */
export function connectOrThrow(socket: ZmqSocket, what: string, endpoint: string): void {
  try {
    socket.connect(endpoint);
  } catch (error) {
    throw new Error(`Cannot connect ${what} to ${endpoint}: ${reasonOf(error)}`, { cause: error });
  }
}
