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
