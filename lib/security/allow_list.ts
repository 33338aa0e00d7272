/**
 * The CURVE allow-list: which node public keys may connect to the proxy and the loggers.
 *
 * File format, one entry per line:
 *
 * ```text
 * # comment lines and blank lines are ignored; so is everything after a " #"
 * rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7  worker-1
 * Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID  # a key without a name
 * ```
 *
 * A key is 40 Z85 characters; an optional node name (no spaces) follows it and appears in logs.
 *
 * @module
 */

import { OptionsError } from "../errors.ts";
import { CURVE_KEY_Z85_LENGTH } from "./keys.ts";
import { isZ85 } from "./z85.ts";

/** One allowed client. Structurally the transport's `CurveAllowedClient`. */
export interface AllowListEntry {
  /** The client's public key, 40 Z85 characters. */
  readonly publicKey: string;
  /** The node name written after the key, if any. */
  readonly name?: string;
}

/**
 * Parses allow-list text. Every problem is reported, with its line number.
 *
 * @param text the file contents.
 * @param source names the file in errors.
 * @returns the entries in file order; a key listed twice appears once (the first name wins).
 * @throws {OptionsError} `Invalid allow-list X: line 3: expected a 40-character Z85 key, got
 * "abc"` (several problems are joined, one per line).
 *
 * @example
 * ```ts
 * import { parseAllowList } from "./allow_list.ts";
 * parseAllowList("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7 worker-1\n", "allow.txt");
 * // [{ publicKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", name: "worker-1" }]
 * ```
 */
export function parseAllowList(text: string, source: string): AllowListEntry[] {
  const entries: AllowListEntry[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i]!).trim();
    if (line === "") continue;
    const [key = "", name, ...rest] = line.split(/\s+/);
    if (key.length !== CURVE_KEY_Z85_LENGTH || !isZ85(key, 32)) {
      problems.push(
        `line ${i + 1}: expected a ${CURVE_KEY_Z85_LENGTH}-character Z85 key, got ${
          JSON.stringify(key.length > 48 ? key.slice(0, 48) + "..." : key)
        }`,
      );
      continue;
    }
    if (rest.length > 0) {
      problems.push(`line ${i + 1}: expected "<key> [name]", got ${rest.length + 2} fields`);
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push(name === undefined ? { publicKey: key } : { publicKey: key, name });
  }
  if (problems.length > 0) {
    throw new OptionsError(`Invalid allow-list ${source}: ${problems.join("\n  ")}`);
  }
  return entries;
}

/**
 * Reads and parses an allow-list file.
 *
 * @throws {OptionsError} for a missing or unreadable file, or as {@linkcode parseAllowList}.
 */
export async function readAllowListFile(path: string): Promise<AllowListEntry[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new OptionsError(`Cannot read allow-list file ${path}: ${reason}`, { cause: error });
  }
  return parseAllowList(text, path);
}

/** Removes a comment: a line starting with `#`, or ` #` and what follows. `#` is Z85, so a key
 * may contain it; only a `#` at the start or after whitespace starts a comment. */
function stripComment(line: string): string {
  // A comment starts with "#": no Z85 key can ("#" as a first digit exceeds 32 bits).
  const m = /(^|\s)#/.exec(line);
  return m === null ? line : line.slice(0, m.index);
}
