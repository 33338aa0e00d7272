import assert from "node:assert/strict";
import { libzmqCandidates, LibzmqLoadError, openLibzmq } from "./libzmq.ts";
import { generateZmqCurveKeyPair } from "./curve.ts";

Deno.test("openLibzmq() opens the zeromq package's own libzmq 4.3.5, found as its loader does", () => {
  const candidates = libzmqCandidates();
  assert.ok(candidates.length > 0);
  for (const c of candidates) {
    assert.match(c, /\/build\/linux\/x64\/node\/glibc-\d+-Release\/addon\.node$/);
  }
  const abis = candidates.map((c) => Number(/glibc-(\d+)-/.exec(c)![1]));
  assert.deepEqual(abis, [...abis].sort((a, b) => b - a), "highest Node ABI first");
  const lib = openLibzmq();
  assert.equal(lib.version, "4.3.5");
  assert.ok(candidates.includes(lib.path));
  const z = new TextEncoder();
  assert.equal(lib.zmq.zmq_has(z.encode("curve\0")), 1);
  assert.equal(lib.zmq.zmq_has(z.encode("draft\0")), 1);
  const pair = generateZmqCurveKeyPair(lib);
  assert.equal(pair.publicKey.length, 40);
  assert.notEqual(pair.publicKey, pair.secretKey);
});

Deno.test("openLibzmq() names the path it tried when the library cannot be loaded", () => {
  assert.throws(
    () => openLibzmq({ path: "/nonexistent/libzmq.so.5" }),
    (e: unknown) =>
      e instanceof LibzmqLoadError &&
      e.message.startsWith(
        "Cannot load libzmq from the path given; tried:\n  /nonexistent/libzmq.so.5: ",
      ),
  );
  const old = Deno.env.get("ZCLUSTER_LIBZMQ");
  Deno.env.set("ZCLUSTER_LIBZMQ", "/nonexistent/other.so");
  try {
    assert.throws(() => openLibzmq(), {
      name: "LibzmqLoadError",
      message: /^Cannot load libzmq from ZCLUSTER_LIBZMQ; tried:\n {2}\/nonexistent\/other\.so: /,
    });
  } finally {
    if (old === undefined) Deno.env.delete("ZCLUSTER_LIBZMQ");
    else Deno.env.set("ZCLUSTER_LIBZMQ", old);
  }
});

Deno.test("libzmqCandidates() names the package folder when its manifest is missing", () => {
  assert.throws(() => libzmqCandidates("/nonexistent/zeromq"), {
    name: "LibzmqLoadError",
    message: /^Cannot find libzmq: cannot read \/nonexistent\/zeromq\/build\/manifest\.json: /,
  });
});
