import assert from "node:assert/strict";
import { Count, decodeBinV1, encodeBinV1 } from "../serialization/mod.ts";
import { decodeAcks, encodeAcks, type WriteAck } from "./replication.ts";

const ok = (reqId: number, seq: number): WriteAck => ({
  reqId,
  seq,
  code: "",
  message: "",
  result: null,
});
const c = (n: number) => new Count(n);

Deno.test("encodeAcks() encodes a run of successful null-result writes as one entry", () => {
  const acks = [ok(7, 100), ok(8, 101), ok(9, 102)];
  assert.deepEqual(encodeAcks(acks), [[c(7), c(100), c(3)]]);
  assert.deepEqual(decodeAcks(encodeAcks(acks)), acks);
});

Deno.test("encodeAcks() keeps errors and non-null results in full form, splitting runs", () => {
  const acks: WriteAck[] = [
    ok(1, 10),
    ok(2, 11),
    { reqId: 3, seq: 11, code: "type_clash", message: "Cannot add", result: null },
    ok(4, 12),
    { reqId: 5, seq: 13, code: "", message: "", result: true },
    { reqId: 6, seq: 13, code: "", message: "", result: false },
    ok(7, 14),
    ok(8, 15),
  ];
  assert.deepEqual(encodeAcks(acks), [
    [c(1), c(10), c(2)],
    [c(3), c(11), "type_clash", "Cannot add", null],
    [c(4), c(12), c(1)],
    [c(5), c(13), "", "", true],
    [c(6), c(13), "", "", false],
    [c(7), c(14), c(2)],
  ]);
  assert.deepEqual(decodeAcks(encodeAcks(acks)), acks);
});

Deno.test("encodeAcks() breaks a run where request ids or seqs are not consecutive", () => {
  // A no-op erase keeps the seq; a duplicate re-ack repeats an old seq; a gap in request ids.
  const acks = [ok(1, 5), ok(2, 5), ok(3, 6), ok(5, 7), ok(6, 8), ok(2, 5), ok(3, 6)];
  assert.deepEqual(encodeAcks(acks), [
    [c(1), c(5), c(1)],
    [c(2), c(5), c(2)],
    [c(5), c(7), c(2)],
    [c(2), c(5), c(2)],
  ]);
  assert.deepEqual(decodeAcks(encodeAcks(acks)), acks);
});

Deno.test("decodeAcks() accepts both forms in any mix, through the wire encoding", () => {
  const wire = [
    [c(10), c(20), "", "", null],
    [c(11), c(21), c(3)],
    [c(14), c(23), "no_such_key", "Cannot subtract", null],
    [c(15), c(24), c(1)],
    [c(16), c(25), "", "", null],
  ];
  const back = decodeBinV1(encodeBinV1(wire));
  assert.deepEqual(decodeAcks(back), [
    ok(10, 20),
    ok(11, 21),
    ok(12, 22),
    ok(13, 23),
    { reqId: 14, seq: 23, code: "no_such_key", message: "Cannot subtract", result: null },
    ok(15, 24),
    ok(16, 25),
  ]);
  assert.deepEqual(decodeAcks([]), []);
  assert.deepEqual(encodeAcks([]), []);
});

Deno.test("decodeAcks() rejects malformed entries", () => {
  const cases = [
    [[c(1), c(1), c(0)]],
    [[c(1), c(1)]],
    [[c(1), c(1), "", ""]],
    [[c(1), c(1), "", "", null, null]],
    [[c(1), c(1), 1, "", null]],
    [[c(1), c(1), "x"]],
    [c(1)],
  ];
  for (const [i, bad] of cases.entries()) {
    assert.throws(() => decodeAcks(bad), SyntaxError, `case ${i}`);
  }
});
