/**
 * IP address text parsing shared by the layout validator and the data model.
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
 * Formats 16 address bytes as text: a dotted quad for IPv4-mapped addresses, otherwise RFC 5952
 * IPv6 text (lowercase, longest run of two or more zero groups compressed).
 *
 * @param bytes 16 bytes in network order.
 * @returns The address text.
 */
export function formatIp(bytes: Uint8Array): string {
  if (isV4Mapped(bytes)) return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[i * 2]! << 8) | bytes[i * 2 + 1]!);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  const left = hex.slice(0, bestStart).join(":");
  const right = hex.slice(bestStart + bestLen).join(":");
  return `${left}::${right}`;
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
