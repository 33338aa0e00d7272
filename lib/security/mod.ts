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

export { parseAllowList, readAllowListFile } from "./allow_list.ts";
export type { AllowListEntry } from "./allow_list.ts";
export { loadCurveSettings } from "./curve_config.ts";
export type { CurveFiles, CurveSettings } from "./curve_config.ts";
export {
  CURVE_KEY_Z85_LENGTH,
  curvePublicKey,
  generateCurveKeyPair,
  keygen,
  parseCurveKey,
  readPublicKeyFile,
  readSecretKeyFile,
} from "./keys.ts";
export type { CurveKeyPair, KeygenResult } from "./keys.ts";
export { isZ85, z85Decode, z85Encode } from "./z85.ts";
