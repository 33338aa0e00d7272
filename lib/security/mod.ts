/**
 * CURVE security material: Z85, key pairs and key files (`zcluster keygen`), the allow-list of
 * node public keys, and loading a node's CURVE settings for the ZeroMQ transport and proxy.
 * Pure Deno and Web Crypto; no ZeroMQ here.
 *
 * ```ts ignore
 * import { keygen, loadCurveSettings } from "./mod.ts";
 * await keygen("keys/worker-1"); // keys/worker-1.key (0600), keys/worker-1.pub
 * const curve = await loadCurveSettings({
 *   keyFile: "keys/worker-1.key",
 *   serverPublicKeyFile: "keys/server.pub",
 * });
 * ```
 *
 * @module
 */

export * from "./allow_list.ts";
export * from "./curve_config.ts";
export * from "./keys.ts";
export * from "./z85.ts";
