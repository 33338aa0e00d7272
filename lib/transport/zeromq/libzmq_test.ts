import assert from "node:assert/strict";
import {
  libzmqCandidates,
  LibzmqLoadError,
  materializeLibrary,
  MSG_LAYOUT,
  openLibzmq,
  ZMQ_PULL,
  ZMQ_PUSH,
  ZMQ_SNDHWM,
} from "./libzmq.ts";
import { sleep } from "../../async.ts";
import { generateZmqCurveKeyPair } from "./curve.ts";
import { ZmqContext } from "./socket.ts";

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

Deno.test("materializeLibrary() copies once, checked by size and SHA-256, and repairs a bad copy", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zcluster-libcache-" });
  try {
    const source = `${dir}/addon.node`;
    await Deno.writeFile(source, new TextEncoder().encode("ELF pretend library bytes"));
    const cache = `${dir}/cache/zcluster`;
    const first = materializeLibrary(source, cache);
    assert.match(first, /\/cache\/zcluster\/addon-[0-9a-f]{16}\.so$/);
    assert.deepEqual(await Deno.readFile(first), await Deno.readFile(source));
    const mtime = (await Deno.stat(first)).mtime?.getTime();
    assert.equal(materializeLibrary(source, cache), first, "the same file");
    assert.equal((await Deno.stat(first)).mtime?.getTime(), mtime, "not rewritten");
    // A copy of the same size with other bytes (a torn or tampered write) is replaced.
    await Deno.writeFile(first, new TextEncoder().encode("ELF pretend library byteZ"));
    assert.equal(materializeLibrary(source, cache), first);
    assert.deepEqual(await Deno.readFile(first), await Deno.readFile(source));
    assert.deepEqual(
      [...Deno.readDirSync(cache)].map((e) => e.name),
      [first.slice(first.lastIndexOf("/") + 1)],
      "no temporary file left",
    );
    // The real library opens from such a copy.
    const copy = materializeLibrary(libzmqCandidates()[0]!, cache);
    assert.equal(openLibzmq({ path: copy }).version, "4.3.5");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("receive: frames of every size read through the zmq_msg_t layout arrive whole, past the cross-checks", async () => {
  const lib = openLibzmq();
  assert.equal(lib.msgLayout.ok, true, "libzmq 4.3.5's zmq_msg_t layout is recognised");
  const ctx = ZmqContext.create({ lib });
  try {
    for (const endpoint of ["inproc://msg-layout", "tcp://127.0.0.1:*"]) {
      const pull = ctx.socket(ZMQ_PULL, "PULL");
      pull.bind(endpoint);
      const push = ctx.socket(ZMQ_PUSH, "PUSH");
      push.setInt(ZMQ_SNDHWM, 0);
      push.connect(pull.lastEndpoint);
      // Sizes around the inline limit (33 bytes), empty frames, and large ones.
      const sizes = [0, 1, MSG_LAYOUT.vsmMax, MSG_LAYOUT.vsmMax + 1, 100, 70_000];
      const body = (m: number, f: number, n: number) => {
        const b = new Uint8Array(n).fill((m * 7 + f * 13) & 0xff);
        for (let i = 0; i < Math.min(n, 4); i++) b[i] = (m >> (8 * i)) & 0xff;
        if (n > 0) b[n - 1] = f;
        return b;
      };
      const messages = 2 * MSG_LAYOUT.crossChecks;
      for (let m = 0; m < messages; m++) {
        const frames = Array.from(
          { length: 1 + (m % 5) },
          (_, f) => body(m, f, sizes[(m + f) % 6]!),
        );
        while (!push.send(frames)) await new Promise((r) => setTimeout(r, 1));
      }
      for (let m = 0; m < messages;) {
        const got = pull.receive();
        if (got === undefined) {
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        const want = Array.from({ length: 1 + (m % 5) }, (_, f) => body(m, f, sizes[(m + f) % 6]!));
        assert.equal(got.length, want.length, `frames of message ${m} over ${endpoint}`);
        want.forEach((w, f) => {
          const g = got[f]!;
          const same = g.length === w.length && g.every((b, i) => b === w[i]);
          assert.ok(same, `frame ${f} of message ${m} over ${endpoint}`);
        });
        m++;
      }
      push.close();
      pull.close();
    }
    assert.equal(lib.msgLayout.ok, true, "no flag ever disagreed with zmq_msg_more");
    assert.ok(lib.msgLayout.checked >= MSG_LAYOUT.crossChecks);
  } finally {
    await ctx.terminate();
  }
});

Deno.test("receive: a small leading frame that repeats comes as the same view; a changed one and the last never", async () => {
  const lib = openLibzmq();
  const ctx = ZmqContext.create({ lib });
  try {
    const pull = ctx.socket(ZMQ_PULL, "PULL");
    pull.bind("inproc://repeats");
    const push = ctx.socket(ZMQ_PUSH, "PUSH");
    push.connect("inproc://repeats");
    const text = (s: string) => new TextEncoder().encode(s);
    const sent = [
      [text("topic.a"), text("fmt"), text("p1")],
      [text("topic.a"), text("fmt"), text("p1")],
      [text("topic.b"), text("fmt"), text("p1")],
    ];
    for (const frames of sent) assert.ok(push.send(frames));
    const got: Uint8Array[][] = [];
    while (got.length < sent.length) {
      const m = pull.receive();
      if (m === undefined) await sleep(1);
      else got.push(m);
    }
    const [a, b, c] = got as [Uint8Array[], Uint8Array[], Uint8Array[]];
    if (lib.msgLayout.ok) {
      assert.equal(b[0], a[0], "the repeated topic is the same view");
      assert.equal(b[1], a[1], "the repeated format is the same view");
      assert.equal(c[1], b[1]);
    }
    assert.notEqual(c[0], b[0], "a changed frame is a new one");
    assert.notEqual(b[2], a[2], "the last frame (the payload) is always its own");
    assert.deepEqual(got.map((m) => m.map((f) => new TextDecoder().decode(f))), [
      ["topic.a", "fmt", "p1"],
      ["topic.a", "fmt", "p1"],
      ["topic.b", "fmt", "p1"],
    ]);
    push.close();
    pull.close();
  } finally {
    await ctx.terminate();
  }
});
