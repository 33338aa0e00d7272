/**
 * Loads a node's CURVE settings from files: its own secret key, the cluster's server key, and
 * the allow-list. The result plugs into the ZeroMQ transport (`curveClient`, `curveServer`) and
 * proxy (`curveServer`) options.
 *
 * Key layout of a cluster (all made with `zcluster keygen`):
 * - `server.key` / `server.pub`: one server key pair; the secret goes to the nodes that bind
 *   (the proxy host and the loggers), the public key to every node.
 * - `<node>.key` / `<node>.pub`: one pair per node; every `.pub` goes on the allow-list, the
 *   manager's too (its transport connects to its own proxy as a client).
 *
 * @module
 */

import { OptionsError } from "../errors.ts";
import { type AllowListEntry, readAllowListFile } from "./allow_list.ts";
import { curvePublicKey, readPublicKeyFile, readSecretKeyFile } from "./keys.ts";

/** Which files to load. Paths as given on the command line. */
export interface CurveFiles {
  /** This node's secret key file (`<node>.key`, mode 0600); its public key is derived. */
  readonly keyFile: string;
  /**
   * The server's public key file (`server.pub`). May be left out when `serverKeyFile` is given
   * (the public key is then derived from it).
   */
  readonly serverPublicKeyFile?: string;
  /** The server's secret key file (`server.key`): only on nodes that bind (proxy, logger). */
  readonly serverKeyFile?: string;
  /** The allow-list file: required with `serverKeyFile`. */
  readonly allowListFile?: string;
}

/** Loaded settings; structurally the transport's `CurveClientOptions` / `CurveServerOptions`. */
export interface CurveSettings {
  /** Client keys for XPUB, XSUB and PUSH. */
  readonly client: {
    readonly serverPublicKey: string;
    readonly publicKey: string;
    readonly secretKey: string;
  };
  /** Server key and allow-list for the proxy and the log PULL; absent on pure clients. */
  readonly server?: {
    readonly secretKey: string;
    readonly allowedClients: readonly AllowListEntry[];
  };
}

/**
 * Reads and checks the CURVE files of one node.
 *
 * @throws {OptionsError} for a missing, malformed or group/other-readable key file, a bad
 * allow-list, a server key file without an allow-list (or the reverse), no server public key,
 * or a `server.pub` that does not match `server.key`.
 *
 * @example
 * ```ts ignore
 * const curve = await loadCurveSettings({ keyFile: "keys/worker-1.key", serverPublicKeyFile: "keys/server.pub" });
 * await createZeromqTransport(handlers, { ...endpoints, curveClient: curve.client });
 * ```
 */
export async function loadCurveSettings(files: CurveFiles): Promise<CurveSettings> {
  const { keyFile, serverPublicKeyFile, serverKeyFile, allowListFile } = files;
  if ((serverKeyFile === undefined) !== (allowListFile === undefined)) {
    throw new OptionsError(
      serverKeyFile === undefined
        ? `Cannot use allow-list ${allowListFile}: no server secret key file is given`
        : `Cannot use server secret key file ${serverKeyFile}: no allow-list file is given`,
    );
  }
  const own = await readSecretKeyFile(keyFile);
  const serverSecret = serverKeyFile === undefined
    ? undefined
    : (await readSecretKeyFile(serverKeyFile)).secretKey;
  let serverPublicKey: string;
  if (serverPublicKeyFile !== undefined) {
    serverPublicKey = await readPublicKeyFile(serverPublicKeyFile);
    if (serverSecret !== undefined && (await curvePublicKey(serverSecret)) !== serverPublicKey) {
      throw new OptionsError(
        `Cannot use server public key file ${serverPublicKeyFile}: it does not match ${serverKeyFile}`,
      );
    }
  } else if (serverSecret !== undefined) {
    serverPublicKey = await curvePublicKey(serverSecret);
  } else {
    throw new OptionsError(
      `Cannot use CURVE key file ${keyFile}: no server public key file is given`,
    );
  }
  const client = { serverPublicKey, publicKey: own.publicKey, secretKey: own.secretKey };
  if (serverSecret === undefined || allowListFile === undefined) return { client };
  const allowedClients = await readAllowListFile(allowListFile);
  return { client, server: { secretKey: serverSecret, allowedClients } };
}
