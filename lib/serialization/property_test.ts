import assert from "node:assert/strict";
import { SerializationError } from "../errors.ts";
import { randomValue, Rng, toHex, type ValueMode } from "./_test_values.ts";
import {
  BinV1EventSerializer,
  BROKER_BIN_V1,
  BROKER_JSON_V1,
  type BrokerValue,
  decodeBinV1,
  decodeEvent,
  decodeJsonV1,
  encodeBinV1,
  encodeEvent,
  encodeJsonV1Bytes,
  eventFromValue,
  NETWORK_TIMESTAMP,
  Timestamp,
  valuesEqual,
  valueToString,
  type ZeekEvent,
} from "./mod.ts";

const ROUNDS = 10_000;

function roundTrip(
  mode: ValueMode,
  seed: number,
  encode: (v: BrokerValue) => Uint8Array,
  decode: (b: Uint8Array) => BrokerValue,
): void {
  const rng = new Rng(seed);
  for (let i = 0; i < ROUNDS; i++) {
    const value = randomValue(rng, mode);
    const bytes = encode(value);
    const back = decode(bytes);
    assert.ok(valuesEqual(back, value), `#${i}: ${valueToString(value)} -> ${valueToString(back)}`);
    assert.equal(toHex(encode(back)), toHex(bytes), `#${i}: re-encoding differs`);
  }
}

Deno.test("bin-v1 round-trips 10,000 random values byte for byte", () => {
  roundTrip("bin", 0x5eed, (v) => encodeBinV1(v), (b) => decodeBinV1(b));
});

Deno.test("JSON v1 round-trips 10,000 random representable values byte for byte", () => {
  roundTrip("json", 0xbeef, (v) => encodeJsonV1Bytes(v), (b) => decodeJsonV1(b));
});

Deno.test("encodeEvent() and decodeEvent() round-trip 2,000 random events per format", () => {
  const rng = new Rng(42);
  for (const [format, mode] of [[BROKER_BIN_V1, "bin"], [BROKER_JSON_V1, "json"]] as const) {
    for (let i = 0; i < 2_000; i++) {
      const args = Array.from({ length: rng.int(5) }, () => randomValue(rng, mode, 2));
      const event: ZeekEvent = rng.int(3) === 0
        ? {
          name: `Ev::n${i}`,
          args,
          metadata: [{ id: NETWORK_TIMESTAMP, value: new Timestamp(BigInt(i) * 1_000_000n) }],
        }
        : { name: `Ev::n${i}`, args };
      const bytes = encodeEvent(event, format);
      const back = decodeEvent(bytes, format);
      assert.equal(back.name, event.name);
      assert.ok(valuesEqual(back.args, event.args));
      assert.equal(back.metadata?.length ?? 0, event.metadata?.length ?? 0);
      assert.equal(toHex(encodeEvent(back, format)), toHex(bytes));
    }
  }
});

/** What a decode did: the event's bytes re-encoded, or the error's message. */
function outcome(decode: () => ZeekEvent): string {
  try {
    return `ok ${toHex(encodeEvent(decode(), BROKER_BIN_V1))}`;
  } catch (error) {
    if (!(error instanceof SerializationError)) throw error;
    return `error ${error.message}`;
  }
}

Deno.test("bin-v1 events: the direct reader and the generic one agree on 3,000 events and 9,000 damaged copies", () => {
  const rng = new Rng(7);
  const names = ["Cluster::hello", "Bench::event", "Ev::é", "Ev::x"];
  for (const maxDepth of [64, 4, 3, 2]) {
    const serializer = new BinV1EventSerializer({ maxDepth }); // keeps its name cache throughout
    for (let i = 0; i < 750; i++) {
      const args = Array.from({ length: rng.int(5) }, () => randomValue(rng, "bin", 2));
      const kind = rng.int(4);
      const event: ZeekEvent = kind === 0
        ? {
          name: rng.pick(names),
          args,
          metadata: [{ id: NETWORK_TIMESTAMP, value: new Timestamp(BigInt(i)) }, {
            id: 4242n,
            value: randomValue(rng, "bin", 1),
          }],
        }
        : { name: rng.pick(names), args };
      const good = encodeEvent(event, BROKER_BIN_V1, {
        emptyMetadata: kind === 1 ? "empty-vector" : "omit",
      });
      const damaged = [good, good.slice(0, rng.int(good.length)), Uint8Array.of(...good, 0)];
      const flipped = good.slice();
      const at = rng.int(flipped.length);
      flipped[at] = flipped[at]! ^ (1 << rng.int(8));
      damaged.push(flipped);
      for (const bytes of damaged) {
        const generic = outcome(() => eventFromValue(decodeBinV1(bytes, { maxDepth }))).replace(
          /^error Cannot decode value: (\d+ trailing)/,
          "error Cannot decode event: $1",
        );
        const direct = outcome(() => serializer.decode(bytes));
        assert.equal(direct, generic, `depth ${maxDepth}, ${toHex(bytes)}`);
        assert.equal(outcome(() => decodeEvent(bytes, BROKER_BIN_V1, { maxDepth })), generic);
      }
    }
  }
});
