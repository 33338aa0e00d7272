import assert from "node:assert/strict";
import { fnv1a32, hrwKeyDigest } from "./fnv1a32.ts";
import { HrwSites, hrwWeight } from "./hrw.ts";

const W1 = 4178617771;
const W2 = 3162793146;

Deno.test('hrwWeight() matches the spec vector for key "0"', () => {
  assert.equal(hrwWeight(890022063, W1), 1054877012);
  assert.equal(hrwWeight(890022063, W2), 1178273453);
});

Deno.test("HrwSites.choose() splits keys 0..9 over two workers as the spec", () => {
  const sites = new HrwSites<string>();
  assert.equal(sites.choose(890022063), undefined);
  assert.equal(sites.add(W1, "worker-1"), true);
  assert.equal(sites.add(W1, "other"), false);
  sites.add(W2, "worker-2");
  const chosen = Array.from({ length: 10 }, (_, k) => sites.choose(hrwKeyDigest(String(k))));
  const on = (w: string) => chosen.flatMap((c, k) => (c === w ? [k] : []));
  assert.deepEqual(on("worker-1"), [1, 3, 4, 6, 8, 9]);
  assert.deepEqual(on("worker-2"), [0, 2, 5, 7]);
  assert.equal(sites.remove(W2), true);
  assert.equal(sites.remove(W2), false);
  assert.equal(sites.size, 1);
  assert.equal(sites.choose(890022063), "worker-1");
});

Deno.test("HrwSites.choose() breaks a weight tie toward the larger site id", () => {
  // Site ids that differ only in bit 31 give the same weight for every digest.
  const sites = new HrwSites<number>();
  sites.add(5, 5);
  sites.add(5 + 2 ** 31, 5 + 2 ** 31);
  assert.equal(hrwWeight(123, 5), hrwWeight(123, 5 + 2 ** 31));
  assert.equal(sites.choose(123), 5 + 2 ** 31);
  const reversed = new HrwSites<number>();
  reversed.add(5 + 2 ** 31, 5 + 2 ** 31);
  reversed.add(5, 5);
  assert.equal(reversed.choose(123), 5 + 2 ** 31);
});

// Independent re-implementation: straight BigInt arithmetic, no Math.imul, no bit tricks.
const M32 = 2n ** 32n;
function refFnv(bytes: Uint8Array): bigint {
  let h = 2166136261n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 16777619n) % M32;
  return h;
}
function refWeight(digest: bigint, site: bigint): bigint {
  const d = digest % 2n ** 31n;
  const inner = (1103515245n * site + 12345n) % M32;
  return ((1103515245n * (inner ^ d) + 12345n) % M32) % 2n ** 31n;
}
function refChoose(digest: bigint, sites: readonly bigint[]): bigint {
  let best = -1n;
  let bestW = -1n;
  for (const s of sites) {
    const w = refWeight(digest, s);
    if (w > bestW || (w === bestW && s > best)) [best, bestW] = [s, w];
  }
  return best;
}
function countBytes(n: bigint): Uint8Array {
  const out = [3, 0, 0, 0];
  for (let i = 0n; i < 8n; i++) out.push(Number((n >> (8n * i)) & 255n));
  return new Uint8Array(out);
}

Deno.test("hrwWeight() and HrwSites agree with a BigInt re-implementation on 1,000 keys", () => {
  let seed = 0x2545f491;
  const rand32 = () => { // xorshift32, deterministic
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const siteIds = Array.from({ length: 7 }, rand32);
  const sites = new HrwSites<number>();
  for (const s of siteIds) sites.add(s, s);
  const refSites = siteIds.map(BigInt);
  for (let i = 0; i < 1000; i++) {
    let digest: number;
    let ref: bigint;
    if (i % 2 === 0) {
      const bytes = Uint8Array.from({ length: rand32() % 24 }, () => rand32() & 255);
      digest = fnv1a32(bytes);
      ref = refFnv(bytes);
      const text = `key-${rand32()}`;
      assert.equal(BigInt(hrwKeyDigest(text)), refFnv(new TextEncoder().encode(text)));
    } else {
      const n = (BigInt(rand32()) << 32n) | BigInt(rand32());
      digest = hrwKeyDigest(n);
      ref = refFnv(countBytes(n));
    }
    assert.equal(BigInt(digest), ref);
    for (const s of siteIds) assert.equal(BigInt(hrwWeight(digest, s)), refWeight(ref, BigInt(s)));
    assert.equal(BigInt(sites.choose(digest)!), refChoose(ref, refSites));
  }
});
