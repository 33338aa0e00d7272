import assert from "node:assert/strict";
import {
  curvePublicKey,
  generateCurveKeyPair,
  keygen,
  parseCurveKey,
  readPublicKeyFile,
  readSecretKeyFile,
} from "./keys.ts";
import { z85Decode } from "./z85.ts";

// The key pairs of libzmq's CURVE tests (tests/testutil_security.cpp).
const SERVER = {
  publicKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
  secretKey: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
};
const CLIENT = {
  publicKey: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
  secretKey: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
};

Deno.test("curvePublicKey() derives libzmq's test public keys from their secret keys", async () => {
  assert.equal(await curvePublicKey(SERVER.secretKey), SERVER.publicKey);
  assert.equal(await curvePublicKey(CLIENT.secretKey), CLIENT.publicKey);
});

Deno.test("generateCurveKeyPair() returns a matching pair of 40-character Z85 keys", async () => {
  const a = await generateCurveKeyPair();
  const b = await generateCurveKeyPair();
  assert.equal(a.publicKey.length, 40);
  assert.equal(z85Decode(a.secretKey).length, 32);
  assert.equal(await curvePublicKey(a.secretKey), a.publicKey);
  assert.notEqual(a.secretKey, b.secretKey);
});

Deno.test("parseCurveKey() trims and rejects a wrong length or non-Z85 text", () => {
  assert.equal(parseCurveKey(` ${SERVER.publicKey}\n`, "key"), SERVER.publicKey);
  assert.throws(() => parseCurveKey("abc", "server public key"), {
    name: "OptionsError",
    message: "Invalid server public key: expected 40 Z85 characters, got 3",
  });
  assert.throws(() => parseCurveKey("~".repeat(40), "server public key"), {
    name: "OptionsError",
    message: "Invalid server public key: not Z85 text",
  });
});

Deno.test("keygen() writes a 0600 secret key file and a public key file that read back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const result = await keygen(`${dir}/worker-1`);
    assert.equal(result.secretKeyFile, `${dir}/worker-1.key`);
    assert.equal((await Deno.stat(result.secretKeyFile)).mode! & 0o777, 0o600);
    assert.deepEqual(await readSecretKeyFile(result.secretKeyFile), {
      publicKey: result.publicKey,
      secretKey: result.secretKey,
    });
    assert.equal(await readPublicKeyFile(result.publicKeyFile), result.publicKey);
    await assert.rejects(() => keygen(`${dir}/worker-1`), {
      name: "OptionsError",
      message: `Cannot write secret key file ${dir}/worker-1.key: file exists`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readSecretKeyFile() refuses a file readable by group or others", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/node.key`;
    await Deno.writeTextFile(path, `${CLIENT.secretKey}\n`);
    await Deno.chmod(path, 0o644);
    await assert.rejects(() => readSecretKeyFile(path), {
      name: "OptionsError",
      message:
        `Cannot use secret key file ${path}: mode 0644 is readable by others; chmod 600 ${path}`,
    });
    await Deno.chmod(path, 0o640);
    await assert.rejects(() => readSecretKeyFile(path), {
      message: /mode 0640 is readable by group/,
    });
    await Deno.chmod(path, 0o400);
    assert.equal((await readSecretKeyFile(path)).publicKey, CLIENT.publicKey);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readSecretKeyFile() and readPublicKeyFile() name a missing file and a malformed key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(() => readSecretKeyFile(`${dir}/none.key`), {
      name: "OptionsError",
      message: `Cannot read secret key file ${dir}/none.key: no such file`,
    });
    await assert.rejects(() => readPublicKeyFile(`${dir}/none.pub`), {
      name: "OptionsError",
      message: `Cannot read public key file ${dir}/none.pub: no such file`,
    });
    const bad = `${dir}/bad.key`;
    await Deno.writeTextFile(bad, "# a comment\nnot-a-key\n", { mode: 0o600 });
    await assert.rejects(() => readSecretKeyFile(bad), {
      name: "OptionsError",
      message: `Invalid secret key in file ${bad}: expected 40 Z85 characters, got 9`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
