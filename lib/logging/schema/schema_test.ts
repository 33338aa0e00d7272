import assert from "node:assert/strict";
import { createStream, flattenColumns, TYPE_TAG, typeTags, validateRecord } from "./schema.ts";
import { formatIp, parseBracketedIp, parseSubnet } from "../../net/ip.ts";

const CONN = createStream("Conn::LOG", {
  path: "conn",
  columns: {
    ts: "time",
    uid: "string",
    id: { record: { orig_h: "addr", orig_p: "port", resp_h: "addr", resp_p: "port" } },
    proto: "enum",
    duration: { type: "interval", optional: true },
    tunnel_parents: { type: "set[string]", optional: true },
  },
});

Deno.test("createStream() flattens nested records with dots", () => {
  assert.deepEqual(CONN.fields.map((f) => f.name), [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "duration",
    "tunnel_parents",
  ]);
  assert.equal(CONN.id, "Conn::LOG");
  assert.deepEqual(CONN.fields.filter((f) => f.optional).map((f) => f.name), [
    "duration",
    "tunnel_parents",
  ]);
});

Deno.test("flattenColumns() makes every field of an optional record optional", () => {
  const fields = flattenColumns({
    a: { record: { b: "count", c: { record: { d: "bool" } } }, optional: true },
  });
  assert.deepEqual(fields, [
    { name: "a.b", type: "count", optional: true },
    { name: "a.c.d", type: "bool", optional: true },
  ]);
});

Deno.test("flattenColumns() rejects unknown types", () => {
  assert.throws(
    () => flattenColumns({ x: "pattern" as never }),
    /Invalid column "x": unknown type "pattern"/,
  );
  assert.throws(() => flattenColumns({ x: { type: "set[record]" as never } }), TypeError);
  assert.throws(() => createStream("X::LOG", { path: "", columns: {} }), /path is empty/);
});

Deno.test("typeTags() gives Zeek's TypeTag and subtype", () => {
  assert.deepEqual(typeTags("time"), { tag: TYPE_TAG.TIME, subtag: TYPE_TAG.VOID });
  assert.deepEqual(typeTags("set[addr]"), { tag: 14, subtag: 11 });
  assert.deepEqual(typeTags("vector[count]"), { tag: 19, subtag: 3 });
  assert.equal(TYPE_TAG.ERROR, 22);
});

Deno.test("validateRecord() normalizes a nested or dotted record into a row", () => {
  const rec = {
    ts: 1.5,
    uid: "C1",
    id: {
      orig_h: "::ffff:10.0.0.1",
      orig_p: { port: 1234, proto: "tcp" },
      resp_h: "2001:DB8:0:0::1",
    },
    "id.resp_p": { port: 80, proto: "tcp" },
    proto: "tcp",
    tunnel_parents: new Set(["a"]),
    not_logged: 1,
  };
  assert.deepEqual(validateRecord(CONN.fields, rec), [
    1.5,
    "C1",
    "10.0.0.1",
    { port: 1234, proto: "tcp" },
    "2001:db8::1",
    { port: 80, proto: "tcp" },
    "tcp",
    null,
    ["a"],
  ]);
});

Deno.test("validateRecord() names the stream and field in its TypeError", () => {
  const base = {
    ts: 1,
    uid: "C",
    id: {
      orig_h: "1.2.3.4",
      orig_p: { port: 1, proto: "tcp" },
      resp_h: "1.2.3.4",
      resp_p: { port: 2, proto: "udp" },
    },
    proto: "tcp",
  };
  assert.throws(
    () =>
      validateRecord(CONN.fields, { ...base, id: { ...base.id, orig_h: 5 } }, { stream: "conn" }),
    {
      name: "TypeError",
      message:
        'Cannot write record to stream "conn": field "id.orig_h": expected addr, got number 5',
    },
  );
  assert.throws(
    () => validateRecord(CONN.fields, { ...base, uid: undefined }),
    /field "uid": expected string, got undefined/,
  );
  assert.throws(
    () => validateRecord(CONN.fields, { ...base, id: { ...base.id, resp_h: "1.2.3" } }),
    /expected addr, got string "1.2.3"/,
  );
  assert.throws(
    () => validateRecord(CONN.fields, { ...base, tunnel_parents: [1] }),
    /field "tunnel_parents": element 0: expected string/,
  );
  assert.throws(
    () =>
      validateRecord(CONN.fields, {
        ...base,
        id: { ...base.id, orig_p: { port: 70000, proto: "tcp" } },
      }),
    /expected port/,
  );
  assert.throws(() => validateRecord(CONN.fields, [1]), /expected an object, got array/);
  assert.throws(() => validateRecord({ c: "count" }, { c: -1 }), /expected count, got number -1/);
  assert.throws(() => validateRecord({ c: "count" }, { c: 1n << 64n }), /expected count/);
  assert.throws(() => validateRecord({ i: "int" }, { i: 1.5 }), /expected int/);
  assert.throws(() => validateRecord({ i: "int" }, { i: -(1n << 63n) - 1n }), /expected int/);
  assert.throws(() => validateRecord({ s: "subnet" }, { s: "10.0.0.0/33" }), /expected subnet/);
});

Deno.test("validateRecord() keeps vector holes and masks subnets", () => {
  assert.deepEqual(
    validateRecord({ v: "vector[count]", s: "subnet", t: "subnet" }, {
      v: [1, null, undefined],
      s: "10.1.2.3/8",
      t: "[::ffff:0:0]/96",
    }),
    [[1, null, null], "10.0.0.0/8", "0.0.0.0/0"],
  );
});

Deno.test("address helpers print like inet_ntop and map IPv4", () => {
  const cases: [string, string][] = [
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["::ffff:1.2.3.4", "1.2.3.4"],
    ["::1.2.3.4", "::1.2.3.4"],
    ["fe80:0:0:0:0:0:0:1", "fe80::1"],
    ["1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"],
    ["[2001:db8::]", "2001:db8::"],
  ];
  for (const [input, want] of cases) {
    assert.equal(formatIp(parseBracketedIp(input)!), want, input);
  }
  for (
    const bad of [
      "1.2.3",
      "256.1.1.1",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "g::1",
      "",
      "01.2.3.4x",
      "01.2.3.4",
      "1.2.3.4::",
    ]
  ) {
    assert.equal(parseBracketedIp(bad), undefined, bad);
  }
  assert.equal(parseSubnet("1.2.3.4/33"), undefined);
  assert.equal(parseSubnet("::/129"), undefined);
  assert.equal(parseSubnet("1.2.3.4/24")!.length128, 120);
});
