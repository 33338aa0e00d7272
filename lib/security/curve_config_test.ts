import assert from "node:assert/strict";
import { loadCurveSettings } from "./curve_config.ts";
import { keygen } from "./keys.ts";

Deno.test("loadCurveSettings() loads client keys, and server keys with the allow-list", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const server = await keygen(`${dir}/server`);
    const node = await keygen(`${dir}/worker-1`);
    await Deno.writeTextFile(`${dir}/allow`, `${node.publicKey} worker-1\n`);
    const client = await loadCurveSettings({
      keyFile: node.secretKeyFile,
      serverPublicKeyFile: server.publicKeyFile,
    });
    assert.deepEqual(client, {
      client: {
        serverPublicKey: server.publicKey,
        publicKey: node.publicKey,
        secretKey: node.secretKey,
      },
    });
    const both = await loadCurveSettings({
      keyFile: node.secretKeyFile,
      serverKeyFile: server.secretKeyFile,
      allowListFile: `${dir}/allow`,
    });
    assert.equal(both.client.serverPublicKey, server.publicKey);
    assert.deepEqual(both.server, {
      secretKey: server.secretKey,
      allowedClients: [{ publicKey: node.publicKey, name: "worker-1" }],
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCurveSettings() rejects incomplete or mismatched files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const server = await keygen(`${dir}/server`);
    const other = await keygen(`${dir}/other`);
    await Deno.writeTextFile(`${dir}/allow`, "");
    await assert.rejects(() => loadCurveSettings({ keyFile: other.secretKeyFile }), {
      name: "OptionsError",
      message:
        `Cannot use CURVE key file ${other.secretKeyFile}: no server public key file is given`,
    });
    await assert.rejects(
      () =>
        loadCurveSettings({ keyFile: other.secretKeyFile, serverKeyFile: server.secretKeyFile }),
      { message: /no allow-list file is given/ },
    );
    await assert.rejects(
      () =>
        loadCurveSettings({
          keyFile: other.secretKeyFile,
          serverKeyFile: server.secretKeyFile,
          serverPublicKeyFile: other.publicKeyFile,
          allowListFile: `${dir}/allow`,
        }),
      {
        message:
          `Cannot use server public key file ${other.publicKeyFile}: it does not match ${server.secretKeyFile}`,
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
