import assert from "node:assert/strict";
import { addrToUri, canonicalIp, formatIp, parseIp } from "./ip.ts";

Deno.test("parseIp() maps IPv4 into ::ffff:0:0/96", () => {
  assert.deepEqual(
    [...parseIp("10.0.0.1")!],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1],
  );
});

Deno.test("parseIp() handles IPv6 compression and embedded IPv4", () => {
  assert.equal(formatIp(parseIp("2001:DB8:0:0:0:0:0:1")!), "2001:db8::1");
  assert.equal(formatIp(parseIp("::")!), "::");
  assert.equal(formatIp(parseIp("::1")!), "::1");
  assert.equal(formatIp(parseIp("::ffff:1.2.3.4")!), "1.2.3.4");
  assert.equal(formatIp(parseIp("1:0:0:1:0:0:0:1")!), "1:0:0:1::1");
  assert.equal(formatIp(parseIp("1:0:1:1:1:1:1:1")!), "1:0:1:1:1:1:1:1");
});

Deno.test("parseIp() rejects malformed text", () => {
  for (
    const bad of [
      "",
      "1.2.3",
      "1.2.3.4.5",
      "01.2.3.4",
      "256.0.0.1",
      ":::",
      "1::2::3",
      "g::1",
      "1:2:3:4:5:6:7:8:9",
      "12345::",
    ]
  ) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

Deno.test("canonicalIp() and addrToUri()", () => {
  assert.equal(canonicalIp("0:0:0:0:0:0:0:1"), "::1");
  assert.equal(addrToUri("::1"), "[::1]");
  assert.equal(addrToUri("127.0.0.1"), "127.0.0.1");
});

Deno.test("formatIp() prints IPv4-compatible and embedded forms as Zeek's IPAddr::AsString", () => {
  // Zeek (`IPAddr::AsString`, its BSD-derived inet_ntop) and Broker (inet_ntop) print an address
  // whose first six groups, and only those, are zero with a dotted-quad tail; IPv4-mapped as plain
  // IPv4; other embeddings (NAT64, ISATAP, ::ffff:0:a.b.c.d) stay hex. Plain RFC 5952 text of
  // ::1.2.3.4 would be ::102:304, which the old net/ip.ts printed and Zeek never does.
  const cases: [string, string][] = [
    ["::1.2.3.4", "::1.2.3.4"],
    ["0:0:0:0:0:0:102:304", "::1.2.3.4"],
    ["::ffff:1.2.3.4", "1.2.3.4"],
    ["::ffff:0:0", "0.0.0.0"],
    ["::0.0.0.1", "::1"],
    ["::0.1.0.0", "::0.1.0.0"],
    ["::1:0:0", "::1:0:0"],
    ["64:ff9b::1.2.3.4", "64:ff9b::102:304"],
    ["fe80::5efe:1.2.3.4", "fe80::5efe:102:304"],
    ["::ffff:0:1.2.3.4", "::ffff:0:102:304"],
  ];
  for (const [input, want] of cases) {
    assert.equal(formatIp(parseIp(input)!), want, input);
    assert.equal(canonicalIp(input), want, input);
  }
});
