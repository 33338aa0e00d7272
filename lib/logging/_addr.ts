/**
 * Address and subnet text helpers shared by the schema, the batch codec and the writers.
 * Addresses are held as 16 bytes (IPv4 as IPv4-mapped IPv6, `::ffff:a.b.c.d`), as Zeek does.
 *
 * @module
 */

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] as const;

/** Parses dotted-quad IPv4 text into 4 bytes, or returns undefined. */
function parseV4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** Parses IPv6 text (with optional embedded IPv4 tail) into 16 bytes, or returns undefined. */
function parseV6(text: string): Uint8Array | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === "") return [];
    const groups: number[] = [];
    const items = part.split(":");
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (i === items.length - 1 && item.includes(".")) {
        const v4 = parseV4(item);
        if (!v4) return undefined;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return undefined;
        groups.push(parseInt(item, 16));
      }
    }
    return groups;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/**
 * Parses an address in IPv4 or IPv6 text (an IPv6 one optionally in brackets) into 16 bytes.
 *
 * @returns the 16 bytes, or undefined when the text is not an address
 */
export function parseAddrBytes(text: string): Uint8Array | undefined {
  let t = text;
  if (t.startsWith("[") && t.endsWith("]")) t = t.slice(1, -1);
  if (!t.includes(":")) {
    const v4 = parseV4(t);
    if (!v4) return undefined;
    return Uint8Array.from([...V4_MAPPED_PREFIX, ...v4]);
  }
  return parseV6(t);
}

/** Whether 16 address bytes hold an IPv4-mapped address. */
export function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 12; i++) if (bytes[i] !== V4_MAPPED_PREFIX[i]) return false;
  return true;
}

/**
 * Formats 16 address bytes as text: IPv4-mapped as dotted quad, others like glibc `inet_ntop`
 * (longest run of two or more zero groups compressed, the first on a tie; lower-case hex; an
 * IPv4-compatible `::a.b.c.d` tail when the first six groups are zero).
 */
export function formatAddrBytes(bytes: Uint8Array): string {
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

/** Masks 16 address bytes to the first `bits` bits, in place. */
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
 * @returns the subnet, or undefined when the text is not a subnet
 */
export function parseSubnet(text: string): ParsedSubnet | undefined {
  const slash = text.lastIndexOf("/");
  if (slash < 0) return undefined;
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return undefined;
  const bytes = parseAddrBytes(text.slice(0, slash));
  if (!bytes) return undefined;
  const len = Number(lenText);
  const v4Text = !text.slice(0, slash).includes(":");
  const length128 = v4Text ? len + 96 : len;
  if (length128 > 128 || (v4Text && len > 32)) return undefined;
  return { bytes: maskBytes(bytes, length128), length128 };
}

/** Formats a subnet as Zeek does: an IPv4-mapped network prints in 32-bit space (`0.0.0.0/0`). */
export function formatSubnet(bytes: Uint8Array, length128: number): string {
  const v4 = isV4Mapped(bytes) && length128 >= 96;
  return `${formatAddrBytes(bytes)}/${v4 ? length128 - 96 : length128}`;
}
