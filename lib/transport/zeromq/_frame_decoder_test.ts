import assert from "node:assert/strict";
import { FrameDecoder } from "./_frame_decoder.ts";

Deno.test("FrameDecoder decodes ASCII, UTF-8 and rejects invalid bytes, with and without cache", () => {
  const d = new FrameDecoder();
  const enc = new TextEncoder();
  assert.equal(d.decode(enc.encode("zeek.cluster.worker")), "zeek.cluster.worker");
  assert.equal(d.decode(enc.encode("töpic-ü")), "töpic-ü");
  assert.equal(d.decode(Uint8Array.of(0x74, 0xff)), undefined);
  assert.equal(d.decode(new Uint8Array()), "");
  for (let i = 0; i < 40; i++) {
    const s = `node-${i % 20}`;
    assert.equal(d.decodeCached(enc.encode(s)), s);
  }
  assert.equal(d.decodeCached(Uint8Array.of(0xc3)), undefined);
  assert.equal(d.decode(enc.encode("x".repeat(300) + "é")), "x".repeat(300) + "é");
});
