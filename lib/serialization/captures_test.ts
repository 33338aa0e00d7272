import assert from "node:assert/strict";
import { fromHex, toHex } from "./_test_values.ts";
import {
  decodeEvent,
  encodeEvent,
  EVENT_FORMATS,
  type EventFormat,
  type ZeekEvent,
} from "./mod.ts";

interface CaptureRecord {
  t: number;
  kind: string;
  frames: string[];
}

async function loadPublishes(file: string): Promise<{ format: EventFormat; payload: string }[]> {
  const url = new URL(`../../testdata/zeek-8.2.2/${file}`, import.meta.url);
  const records = JSON.parse(await Deno.readTextFile(url)) as CaptureRecord[];
  return records.filter((r) => r.kind === "publish").map((r) => {
    const format = new TextDecoder().decode(fromHex(r.frames[2]!)) as EventFormat;
    assert.ok(EVENT_FORMATS.includes(format), format);
    return { format, payload: r.frames[3]! };
  });
}

function checkCapture(publishes: { format: EventFormat; payload: string }[]): ZeekEvent[] {
  assert.ok(publishes.length >= 5);
  return publishes.map(({ format, payload }) => {
    const event = decodeEvent(fromHex(payload), format);
    assert.equal(toHex(encodeEvent(event, format)), payload, event.name);
    return event;
  });
}

function checkEvents(events: ZeekEvent[]): void {
  const names = events.map((e) => e.name);
  assert.deepEqual(names, [
    "Cluster::Backend::ZeroMQ::hello",
    "Cluster::Backend::ZeroMQ::hello",
    "Cluster::hello",
    "Cluster::hello",
    "finish",
  ]);
  const hello = events[2]!;
  assert.equal(hello.args.length, 2);
  assert.equal(hello.args[0], "worker-1");
  assert.match(String(hello.args[1]), /^zeromq_worker-1_vm_\d+_N\w+$/);
  assert.equal(hello.metadata, undefined);
  assert.deepEqual(events[4]!.args, ["manager"]);
}

Deno.test("decodeEvent() and encodeEvent() reproduce every bin-v1 capture byte for byte", async () => {
  const publishes = await loadPublishes("zeek-8.2.2-zeromq-bin.json");
  assert.ok(publishes.every((p) => p.format === "broker-bin-v1"));
  checkEvents(checkCapture(publishes));
});

Deno.test("decodeEvent() and encodeEvent() reproduce every JSON v1 capture byte for byte", async () => {
  const publishes = await loadPublishes("zeek-8.2.2-zeromq-json.json");
  assert.ok(publishes.every((p) => p.format === "broker-json-v1"));
  checkEvents(checkCapture(publishes));
});
