import assert from "node:assert/strict";
import { BATCH_LEDGER_FILE, BatchLedger } from "./batch_ledger.ts";

/** Runs `fn` with the ledger path in a fresh temp directory, removed afterwards. */
async function withDir(fn: (path: string, dir: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "zcluster_ledger_" });
  try {
    await fn(`${dir}/${BATCH_LEDGER_FILE}`, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("BatchLedger.open() starts empty without a file and creates it", async () => {
  await withDir((path) => {
    using ledger = BatchLedger.open(path);
    assert.equal(ledger.has("a", 1), false);
    assert.equal(Deno.readTextFileSync(path), "");
  });
});

Deno.test("BatchLedger.has() is true after add() for that sender and number only", async () => {
  await withDir((path) => {
    using ledger = BatchLedger.open(path);
    ledger.add("a", 1);
    ledger.add("a", 7);
    ledger.add("b", 1);
    assert.equal(ledger.has("a", 1), true);
    assert.equal(ledger.has("a", 7), true);
    assert.equal(ledger.has("b", 1), true);
    assert.equal(ledger.has("a", 2), false);
    assert.equal(ledger.has("b", 7), false);
    assert.equal(ledger.has("c", 1), false);
    assert.equal(Deno.readTextFileSync(path), "a 1\na 7\nb 1\n");
  });
});

Deno.test("BatchLedger.addAll() records several batches as add() does each", async () => {
  await withDir((path) => {
    using ledger = BatchLedger.open(path);
    ledger.add("a", 1);
    ledger.addAll([{ sender: "a", seq: 2 }, { sender: "b", seq: 5 }]);
    ledger.addAll([]);
    assert.deepEqual([ledger.has("a", 2), ledger.has("b", 5), ledger.has("b", 2)], [
      true,
      true,
      false,
    ]);
    assert.equal(Deno.readTextFileSync(path), "a 1\na 2\nb 5\n");
    using again = BatchLedger.open(path);
    assert.equal(again.has("b", 5), true);
  });
});

Deno.test("BatchLedger.open() finds what an earlier ledger added", async () => {
  await withDir((path) => {
    {
      using ledger = BatchLedger.open(path);
      ledger.add("zeromq_worker-1_h_1_x", 1);
      ledger.add("zeromq_worker-1_h_1_x", 2);
      ledger.add("zeromq_worker-2_h_2_y", 9_007_199_254_740);
    }
    using again = BatchLedger.open(path);
    assert.equal(again.has("zeromq_worker-1_h_1_x", 1), true);
    assert.equal(again.has("zeromq_worker-1_h_1_x", 2), true);
    assert.equal(again.has("zeromq_worker-2_h_2_y", 9_007_199_254_740), true);
    assert.equal(again.has("zeromq_worker-1_h_1_x", 3), false);
    again.add("zeromq_worker-1_h_1_x", 3); // appends after the compacted content
    assert.equal(
      Deno.readTextFileSync(path),
      "zeromq_worker-1_h_1_x 1\nzeromq_worker-1_h_1_x 2\nzeromq_worker-2_h_2_y 9007199254740\n" +
        "zeromq_worker-1_h_1_x 3\n",
    );
  });
});

Deno.test("BatchLedger.open() skips malformed lines such as a torn last line", async () => {
  await withDir((path) => {
    Deno.writeTextFileSync(path, "a 1\n\ngarbage\nb x\n c 3\nd 4 5\na 2\nb 1");
    {
      using ledger = BatchLedger.open(path);
      assert.equal(ledger.has("a", 1), true);
      assert.equal(ledger.has("a", 2), true);
      // A last line without its newline may be cut short ("b 1" of "b 12"): skipped.
      assert.equal(ledger.has("b", 1), false);
      assert.equal(ledger.has("d", 4), false);
      assert.equal(ledger.has("d", 5), false);
      // Compacted: only the good lines are left, each ended.
      assert.equal(Deno.readTextFileSync(path), "a 1\na 2\n");
    }
    Deno.writeTextFileSync(path, "a 1\na 2\nb", { append: false });
    using ledger = BatchLedger.open(path);
    assert.equal(ledger.has("a", 2), true);
    assert.equal(Deno.readTextFileSync(path), "a 1\na 2\n");
  });
});

Deno.test("BatchLedger.add() forgets a sender's oldest numbers past perSenderMax", async () => {
  await withDir((path) => {
    {
      using ledger = BatchLedger.open(path, { perSenderMax: 3 });
      for (const seq of [1, 2, 3]) ledger.add("a", seq);
      ledger.add("b", 1);
      ledger.add("a", 4);
      assert.equal(ledger.has("a", 1), false);
      for (const seq of [2, 3, 4]) assert.equal(ledger.has("a", seq), true);
      assert.equal(ledger.has("b", 1), true);
      ledger.add("a", 3); // already there: no change, nothing forgotten
      assert.equal(ledger.has("a", 2), true);
    }
    // The bound also holds when loading a file with more lines.
    using ledger = BatchLedger.open(path, { perSenderMax: 2 });
    assert.equal(ledger.has("a", 2), false);
    assert.equal(ledger.has("a", 3), true);
    assert.equal(ledger.has("a", 4), true);
    assert.equal(ledger.has("b", 1), true);
  });
});

Deno.test("BatchLedger.add() forgets the least recently added sender past sendersMax", async () => {
  await withDir((path) => {
    {
      using ledger = BatchLedger.open(path, { sendersMax: 2 });
      ledger.add("a", 1);
      ledger.add("b", 1);
      ledger.add("a", 2); // a is now the most recent
      ledger.add("c", 1); // b goes
      assert.equal(ledger.has("b", 1), false);
      assert.equal(ledger.has("a", 1), true);
      assert.equal(ledger.has("a", 2), true);
      assert.equal(ledger.has("c", 1), true);
      ledger.add("d", 1); // a goes
      assert.equal(ledger.has("a", 2), false);
      assert.equal(ledger.has("c", 1), true);
      assert.equal(ledger.has("d", 1), true);
    }
    using ledger = BatchLedger.open(path, { sendersMax: 2 });
    assert.equal(ledger.has("a", 1), false);
    assert.equal(ledger.has("b", 1), false);
    assert.equal(ledger.has("c", 1), true);
    assert.equal(ledger.has("d", 1), true);
  });
});

Deno.test("BatchLedger.add() compacts the file past fileMaxBytes, keeping the content", async () => {
  await withDir((path) => {
    const opts = { perSenderMax: 10, fileMaxBytes: 200 };
    {
      using ledger = BatchLedger.open(path, opts);
      for (let seq = 1; seq <= 500; seq++) {
        ledger.add("s", seq);
        assert.ok(Deno.statSync(path).size <= 200 + "s 500\n".length, `size at ${seq}`);
      }
      for (let seq = 491; seq <= 500; seq++) assert.equal(ledger.has("s", seq), true);
      assert.equal(ledger.has("s", 490), false);
    }
    using ledger = BatchLedger.open(path, opts);
    for (let seq = 491; seq <= 500; seq++) assert.equal(ledger.has("s", seq), true);
    assert.equal(ledger.has("s", 490), false);
    const lines = Deno.readTextFileSync(path).split("\n");
    assert.deepEqual(lines, [...Array.from({ length: 10 }, (_, i) => `s ${491 + i}`), ""]);
    // No temp file is left behind.
    assert.throws(() => Deno.statSync(`${path}.tmp`), Deno.errors.NotFound);
  });
});

Deno.test("BatchLedger.open() fails on an unreadable path other than a missing file", async () => {
  await withDir((_path, dir) => {
    assert.throws(() => BatchLedger.open(dir)); // a directory
  });
});

Deno.test("BatchLedger[Symbol.dispose]() closes the file, twice is harmless", async () => {
  await withDir((path) => {
    const ledger = BatchLedger.open(path);
    ledger.add("a", 1);
    ledger[Symbol.dispose]();
    ledger[Symbol.dispose]();
    assert.equal(ledger.has("a", 1), true); // memory stays readable
    // The resource sanitizer checks that no file handle is left open.
  });
});

// Regression: once what is remembered outgrew fileMaxBytes, every add() rewrote the file.
Deno.test({
  name: "BatchLedger.add() does not rewrite the file on every add once content exceeds the bound",
  fn: async () => {
    await withDir((path) => {
      using ledger = BatchLedger.open(path, { perSenderMax: 1000, fileMaxBytes: 100 });
      for (let seq = 1; seq <= 50; seq++) ledger.add("s", seq); // ~290 bytes remembered
      let rewrites = 0;
      let ino = Deno.statSync(path).ino;
      for (let seq = 51; seq <= 60; seq++) {
        ledger.add("s", seq);
        const now = Deno.statSync(path).ino;
        if (now !== ino) rewrites++;
        ino = now;
      }
      assert.ok(rewrites <= 1, `${rewrites} rewrites in 10 adds`);
    });
  },
});
