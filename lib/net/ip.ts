/**
 * The one IP address and subnet text module: parsing (as `inet_pton` reads addresses, which is
 * what Zeek's `IPAddr` and Broker use) and formatting (as Zeek's `IPAddr::AsString` prints them),
 * shared by the layout validator, the data model, the WebSocket server and the log codecs and
 * writers. Addresses are held as 16 bytes, IPv4 as IPv4-mapped IPv6 (`::ffff:a.b.c.d`), as Zeek
 * and Broker hold them.
 *
 * @example
 * ```ts
 * import { formatIp, parseIp } from "./ip.ts";
 * formatIp(parseIp("0:0:0:0:0:0:102:304")!); // "::1.2.3.4"
 * ```
 *
 * @module
 */

const V4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Parses dotted-quad IPv4 text into 4 bytes.
 *
 * @param text The address text, e.g. `10.0.0.1`.
 * @returns The 4 bytes, or `undefined` when the text is not a dotted quad.
 */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!V4_PART.test(part)) return undefined;
    out[i] = Number(part);
  }
  return out;
}

/**
 * Parses IPv4 or IPv6 text into 16 bytes, IPv4 as IPv4-mapped (`::ffff:a.b.c.d`), as Broker
 * stores addresses. An IPv6 zone suffix (`%eth0`) is not accepted here.
 *
 * @param text The address text.
 * @returns 16 bytes in network order, or `undefined` when the text is not an address.
 */
export function parseIp(text: string): Uint8Array | undefined {
  const v4 = parseIpv4(text);
  if (v4) {
    const out = new Uint8Array(16);
    out[10] = 0xff;
    out[11] = 0xff;
    out.set(v4, 12);
    return out;
  }
  return parseIpv6(text);
}

/**
 * Parses IPv6 text (with `::` compression and an optional trailing dotted quad) into 16 bytes.
 *
 * @param text The address text.
 * @returns 16 bytes, or `undefined` when the text is not an IPv6 address.
 */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (!text.includes(":")) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : halves[0]!.split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : halves[1]!.split(":")) : [];
  const groups: number[] = [];
  const pushGroups = (parts: string[], allowV4: boolean): boolean => {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (allowV4 && i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (!v4) return false;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!HEX_GROUP.test(part)) return false;
        groups.push(parseInt(part, 16));
      }
    }
    return true;
  };
  if (!pushGroups(head, halves.length === 1)) return undefined;
  const headCount = groups.length;
  if (!pushGroups(tail, true)) return undefined;
  const tailCount = groups.length - headCount;
  if (halves.length === 1 ? groups.length !== 8 : headCount + tailCount > 7) return undefined;
  const out = new Uint8Array(16);
  const write = (group: number, index: number) => {
    out[index * 2] = group >> 8;
    out[index * 2 + 1] = group & 0xff;
  };
  for (let i = 0; i < headCount; i++) write(groups[i]!, i);
  for (let i = 0; i < tailCount; i++) write(groups[headCount + i]!, 8 - tailCount + i);
  return out;
}

/**
 * Formats 16 address bytes as text the way Zeek's `IPAddr::AsString` does: an IPv4-mapped
 * address as a dotted quad; any other as IPv6 text like BSD/glibc `inet_ntop` (lower-case hex,
 * the longest run of two or more zero groups compressed, the first on a tie, and an
 * IPv4-compatible `::a.b.c.d` tail when exactly the first six groups are zero). That last form is
 * where this differs from plain RFC 5952 text (`::102:304`): Zeek and Broker print `::1.2.3.4`.
 *
 * @param bytes 16 bytes in network order.
 * @returns The address text.
 *
 * @example
 * ```ts
 * import { formatIp, parseIp } from "./ip.ts";
 * formatIp(parseIp("2001:db8:0:0:1:0:0:1")!); // "2001:db8::1:0:0:1"
 * formatIp(parseIp("::ffff:10.0.0.1")!); // "10.0.0.1"
 * ```
 */
export function formatIp(bytes: Uint8Array): string {
  if (isV4Mapped(bytes)) return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((bytes[i * 2]! << 8) | bytes[i * 2 + 1]!);
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":";
      continue;
    }
    if (i > 0) out += ":";
    if (i === 6 && bestBase === 0 && bestLen === 6) {
      out += `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
      break;
    }
    out += words[i]!.toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ":";
  return out;
}

/**
 * Tells whether 16 address bytes hold an IPv4-mapped address.
 *
 * @param bytes 16 bytes in network order.
 * @returns `true` for `::ffff:a.b.c.d`.
 */
export function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * Canonical text of an address, so that two spellings of one address compare equal.
 *
 * @param text Address text.
 * @returns Canonical text, or `undefined` when the text is not an address.
 */
export function canonicalIp(text: string): string | undefined {
  const bytes = parseIp(text);
  return bytes ? formatIp(bytes) : undefined;
}

/**
 * Formats an address for use in a URI (`tcp://[::1]:5555`): IPv6 in brackets, as Zeek's
 * `addr_to_uri` does.
 *
 * @param ip Address text.
 * @returns The text to put between `tcp://` and `:port`.
 */
export function addrToUri(ip: string): string {
  return ip.includes(":") ? `[${ip}]` : ip;
}

/**
 * Parses an address like {@linkcode parseIp}, also accepting IPv6 in brackets (`[::1]`), as log
 * values and URIs may spell it.
 *
 * @param text The address text.
 * @returns 16 bytes in network order, or `undefined` when the text is not an address.
 *
 * @example
 * ```ts
 * import { formatIp, parseBracketedIp } from "./ip.ts";
 * formatIp(parseBracketedIp("[2001:db8::]")!); // "2001:db8::"
 * ```
 */
export function parseBracketedIp(text: string): Uint8Array | undefined {
  return text.startsWith("[") && text.endsWith("]") ? parseIpv6(text.slice(1, -1)) : parseIp(text);
}

/**
 * Masks 16 address bytes to their first `bits` bits, in place.
 *
 * @param bytes 16 bytes in network order (changed).
 * @param bits The prefix length in the 128-bit space.
 * @returns `bytes`.
 *
 * @example
 * ```ts
 * import { formatIp, maskBytes, parseIp } from "./ip.ts";
 * formatIp(maskBytes(parseIp("10.1.2.3")!, 104)); // "10.0.0.0"
 * ```
 */
export function maskBytes(bytes: Uint8Array, bits: number): Uint8Array {
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return bytes;
}

/** A parsed subnet: the masked 16 address bytes and the prefix length in 128-bit space. */
export interface ParsedSubnet {
  /** The network address, masked, as 16 bytes. */
  readonly bytes: Uint8Array;
  /** The prefix length in the 128-bit space (an IPv4 /24 is 120). */
  readonly length128: number;
}

/**
 * Parses `addr/len` (IPv6 optionally as `[addr]/len`). An IPv4 length counts in the 32-bit space.
 *
 * @param text The subnet text.
 * @returns The subnet (its address masked), or `undefined` when the text is not a subnet.
 *
 * @example
 * ```ts
 * import { parseSubnet } from "./ip.ts";
 * parseSubnet("10.1.2.3/8")!.length128; // 104
 * ```
 */
export function parseSubnet(text: string): ParsedSubnet | undefined {
  const slash = text.lastIndexOf("/");
  if (slash < 0) return undefined;
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return undefined;
  const addrText = text.slice(0, slash);
  const bytes = parseBracketedIp(addrText);
  if (!bytes) return undefined;
  const len = Number(lenText);
  const v4Text = !addrText.includes(":");
  const length128 = v4Text ? len + 96 : len;
  if (length128 > 128 || (v4Text && len > 32)) return undefined;
  return { bytes: maskBytes(bytes, length128), length128 };
}

/**
 * Formats a subnet as Zeek does: an IPv4-mapped network prints in 32-bit space (`0.0.0.0/0`).
 *
 * @param bytes The network address, 16 bytes.
 * @param length128 The prefix length in the 128-bit space.
 * @returns The subnet text.
 *
 * @example
 * ```ts
 * import { formatSubnet, parseSubnet } from "./ip.ts";
 * const sn = parseSubnet("10.1.2.3/8")!;
 * formatSubnet(sn.bytes, sn.length128); // "10.0.0.0/8"
 * ```
 */
export function formatSubnet(bytes: Uint8Array, length128: number): string {
  const v4 = isV4Mapped(bytes) && length128 >= 96;
  return `${formatIp(bytes)}/${v4 ? length128 - 96 : length128}`;
}
