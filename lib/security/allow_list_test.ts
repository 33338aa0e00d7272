import assert from "node:assert/strict";
import { parseAllowList, readAllowListFile } from "./allow_list.ts";

const K1 = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const K2 = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";

Deno.test("parseAllowList() reads keys, optional names, comments and blank lines", () => {
  const text = `# cluster keys\n\n${K1} worker-1  # the first worker\n  ${K2}\n${K1} dup\n`;
  assert.deepEqual(parseAllowList(text, "allow.txt"), [
    { publicKey: K1, name: "worker-1" },
    { publicKey: K2 },
  ]);
});

Deno.test("parseAllowList() keeps a '#' inside a key", () => {
  const key = "0000000000000000000000000000000000000#00"; // '#' is a Z85 digit
  assert.deepEqual(parseAllowList(`${key} n`, "a"), [{ publicKey: key, name: "n" }]);
});

Deno.test("parseAllowList() reports every bad line with its number", () => {
  assert.throws(() => parseAllowList(`${K1}\nshort\n${K2} a b\n`, "allow.txt"), {
    name: "OptionsError",
    message:
      'Invalid allow-list allow.txt: line 2: expected a 40-character Z85 key, got "short"\n' +
      '  line 3: expected "<key> [name]", got 3 fields',
  });
});

Deno.test("readAllowListFile() names a missing file", async () => {
  await assert.rejects(() => readAllowListFile("/nonexistent/allow.txt"), {
    name: "OptionsError",
    message: "Cannot read allow-list file /nonexistent/allow.txt: no such file",
  });
});
