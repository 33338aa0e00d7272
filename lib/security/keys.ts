/**
 * CURVE keys: parsing and checking 40-character Z85 keys, generating key pairs (X25519, as
 * libzmq's `zmq_curve_keypair`), deriving a public key from a secret key, and the key files
 * `<prefix>.key` (secret, mode 0600) and `<prefix>.pub` written by `zcluster keygen`.
 *
 * Pure Web Crypto: nothing here needs libzmq, so `keygen` runs without a ZeroMQ context.
 *
 * @module
 */

import { OptionsError } from "../errors.ts";
import { isZ85, z85Decode, z85Encode } from "./z85.ts";

/** Length of a Z85 CURVE key (32 bytes). */
export const CURVE_KEY_Z85_LENGTH = 40;

/** A CURVE key pair, both halves as 40-character Z85 text. */
export interface CurveKeyPair {
  /** The public key; share it. */
  readonly publicKey: string;
  /** The secret key; keep it in a 0600 file. */
  readonly secretKey: string;
}

/** What {@linkcode keygen} wrote. */
export interface KeygenResult extends CurveKeyPair {
  /** `<prefix>.key`, the secret key, mode 0600. */
  readonly secretKeyFile: string;
  /** `<prefix>.pub`, the public key. */
  readonly publicKeyFile: string;
}

// PKCS #8 wrapping of a raw X25519 private key (RFC 8410): a fixed 16-byte header + 32 bytes.
const PKCS8_X25519_HEADER = new Uint8Array([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x6e,
  0x04,
  0x22,
  0x04,
  0x20,
]);

/**
 * Checks that `text` is a 40-character Z85 CURVE key and returns it.
 *
 * @param text the key, surrounding whitespace ignored.
 * @param what names the key in the error, e.g. `server public key`.
 * @throws {OptionsError} `Invalid <what>: expected 40 Z85 characters, got 12`.
 *
 * @example
 * ```ts
 * import { parseCurveKey } from "./keys.ts";
 * parseCurveKey(" rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\n", "server public key");
 * ```
 */
export function parseCurveKey(text: string, what: string): string {
  const key = text.trim();
  if (key.length !== CURVE_KEY_Z85_LENGTH) {
    throw new OptionsError(
      `Invalid ${what}: expected ${CURVE_KEY_Z85_LENGTH} Z85 characters, got ${key.length}`,
    );
  }
  if (!isZ85(key, 32)) {
    throw new OptionsError(`Invalid ${what}: not Z85 text`);
  }
  return key;
}

/**
 * Generates a CURVE key pair (X25519 with the platform's Web Crypto).
 *
 * @example
 * ```ts
 * import { generateCurveKeyPair } from "./keys.ts";
 * const { publicKey, secretKey } = await generateCurveKeyPair();
 * ```
 */
export async function generateCurveKeyPair(): Promise<CurveKeyPair> {
  const pair = await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
  const { privateKey, publicKey } = pair as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", publicKey));
  return { publicKey: z85Encode(raw), secretKey: z85Encode(base64UrlDecode(jwk.d ?? "")) };
}

/**
 * Derives the public key of a CURVE secret key (X25519 scalar multiplication of the base point).
 *
 * @throws {OptionsError} for a malformed secret key.
 *
 * @example
 * ```ts
 * import { curvePublicKey } from "./keys.ts";
 * await curvePublicKey("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"); // the matching public key
 * ```
 */
export async function curvePublicKey(secretKey: string): Promise<string> {
  const secret = z85Decode(parseCurveKey(secretKey, "secret key"));
  const pkcs8 = new Uint8Array(PKCS8_X25519_HEADER.length + 32);
  pkcs8.set(PKCS8_X25519_HEADER);
  pkcs8.set(secret, PKCS8_X25519_HEADER.length);
  const key = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "X25519" }, true, [
    "deriveBits",
  ]);
  const jwk = await crypto.subtle.exportKey("jwk", key);
  return z85Encode(base64UrlDecode(jwk.x ?? ""));
}

/**
 * Reads a public key file (`<prefix>.pub`: one Z85 key; `#` comment lines and blank lines
 * ignored).
 *
 * @throws {OptionsError} `Cannot read public key file X: no such file` or `Invalid public key in
 * file X: expected 40 Z85 characters, got 7`.
 */
export async function readPublicKeyFile(path: string): Promise<string> {
  return parseCurveKey(keyLine(await readText(path, "public key")), `public key in file ${path}`);
}

/**
 * Reads a secret key file (`<prefix>.key`) and derives its public key. Refuses a file that group
 * or others can read.
 *
 * @throws {OptionsError} `Cannot use secret key file X: mode 0644 is readable by others; chmod
 * 600 X`, a missing file, or a malformed key.
 */
export async function readSecretKeyFile(path: string): Promise<CurveKeyPair> {
  await checkSecretMode(path);
  const secretKey = parseCurveKey(
    keyLine(await readText(path, "secret key")),
    `secret key in file ${path}`,
  );
  return { publicKey: await curvePublicKey(secretKey), secretKey };
}

/**
 * `zcluster keygen`: generates a key pair and writes `<prefix>.key` (secret, mode 0600) and
 * `<prefix>.pub`. Never overwrites an existing file.
 *
 * @param outPrefix path prefix, e.g. `keys/worker-1`.
 * @throws {OptionsError} `Cannot write secret key file X: file exists` and other write errors.
 *
 * @example
 * ```ts ignore
 * const { publicKey } = await keygen("keys/worker-1"); // keys/worker-1.key, keys/worker-1.pub
 * ```
 */
export async function keygen(outPrefix: string): Promise<KeygenResult> {
  const pair = await generateCurveKeyPair();
  const secretKeyFile = `${outPrefix}.key`;
  const publicKeyFile = `${outPrefix}.pub`;
  await writeNew(
    secretKeyFile,
    `# zcluster CURVE secret key: keep private (mode 0600)\n${pair.secretKey}\n`,
    0o600,
    "secret key",
  );
  try {
    await writeNew(
      publicKeyFile,
      `# zcluster CURVE public key: add it to the cluster's allow-list\n${pair.publicKey}\n`,
      0o644,
      "public key",
    );
  } catch (error) {
    await Deno.remove(secretKeyFile).catch(() => {});
    throw error;
  }
  return { ...pair, secretKeyFile, publicKeyFile };
}

async function checkSecretMode(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new OptionsError(`Cannot read secret key file ${path}: ${fsReason(error)}`, {
      cause: error,
    });
  }
  const mode = (info.mode ?? 0) & 0o777;
  if ((mode & 0o077) !== 0) {
    const readable = (mode & 0o044) !== 0;
    const who = (mode & (readable ? 0o004 : 0o007)) !== 0 ? "others" : "group";
    throw new OptionsError(
      `Cannot use secret key file ${path}: mode 0${mode.toString(8).padStart(3, "0")} is ` +
        `${readable ? "readable" : "accessible"} by ${who}; chmod 600 ${path}`,
    );
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new OptionsError(`Cannot read ${what} file ${path}: ${fsReason(error)}`, {
      cause: error,
    });
  }
}

async function writeNew(path: string, text: string, mode: number, what: string): Promise<void> {
  try {
    await Deno.writeTextFile(path, text, { createNew: true, mode });
    await Deno.chmod(path, mode); // the umask may have cleared bits; never leaves more than `mode`
  } catch (error) {
    throw new OptionsError(`Cannot write ${what} file ${path}: ${fsReason(error)}`, {
      cause: error,
    });
  }
}

/** The first line that is neither blank nor a `#` comment (or "" when there is none). */
function keyLine(text: string): string {
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t !== "" && !t.startsWith("#")) return t;
  }
  return "";
}

function fsReason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.AlreadyExists) return "file exists";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "is a directory";
  const m = error instanceof Error ? error.message : String(error);
  return m.charAt(0).toLowerCase() + m.slice(1);
}

function base64UrlDecode(text: string): Uint8Array {
  const b64 = text.replaceAll("-", "+").replaceAll("_", "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
