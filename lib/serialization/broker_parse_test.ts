/**
 * Timespan and timestamp text parsed as Broker parses it (Broker JSON v1 hands both to CAF:
 * `caf::detail::parse` for timespans, `caf::chrono::datetime::from_string` for timestamps).
 *
 * The vectors are facts copied from the parser tests of CAF as Broker vendors it
 * (github.com/zeek/actor-framework, `libcaf_core/caf/detail/parse.test.cpp` "valid timespans",
 * "invalid timespans", "valid signed integers"; `libcaf_core/caf/detail/parser/read_timespan.test.cpp`;
 * `libcaf_core/caf/chrono.test.cpp` parse scenarios, "the parser refuses invalid date time
 * values" and the to_string round trips), plus what CAF's state machines imply
 * (`read_floating_point.hpp`, `read_timestamp.hpp`) for `+5s`, `+05` zones and 5-digit years.
 */
import assert from "node:assert/strict";
import { SerializationError } from "../errors.ts";
import { decodeJsonV1, encodeJsonV1 } from "./json_v1.ts";
import { Timespan, Timestamp } from "./data.ts";

const span = (text: string) =>
  (decodeJsonV1({ "@data-type": "timespan", data: text }) as Timespan).ns;
const stamp = (text: string) =>
  (decodeJsonV1({ "@data-type": "timestamp", data: text }) as Timestamp).ns;
const refuses = (type: string, text: string) =>
  assert.throws(
    () => decodeJsonV1({ "@data-type": type, data: text }),
    (e: unknown) => e instanceof SerializationError && e.message.includes(`"${text}"`),
    `${type} ${JSON.stringify(text)} should be refused`,
  );

const S = 1_000_000_000n;

Deno.test("decodeJsonV1() reads CAF's valid timespans", () => {
  assert.equal(span("12ns"), 12n);
  assert.equal(span("34us"), 34_000n);
  assert.equal(span("56ms"), 56_000_000n);
  assert.equal(span("78s"), 78n * S);
  assert.equal(span("60min"), 3600n * S);
  assert.equal(span("90h"), 90n * 3600n * S);
});

Deno.test("decodeJsonV1() refuses CAF's invalid timespans and Broker's missing d unit", () => {
  for (const text of ["12", "12nas", "34usec", "56m", "1d", "2days", "5 s", "05s", "s", "+s"]) {
    refuses("timespan", text);
  }
});

Deno.test("decodeJsonV1() reads timespans as CAF's floating-point parser does", () => {
  // "valid signed integers": +127 is a number, so +5s is a timespan.
  assert.equal(span("+5s"), 5n * S);
  assert.equal(span("-5s"), -5n * S);
  assert.equal(span("1.5s"), 1_500_000_000n);
  assert.equal(span(".5h"), 1800n * S);
  assert.equal(span("2e3ms"), 2n * S);
  assert.equal(span("1.s"), S);
  assert.equal(span(" 7ns"), 7n);
  assert.equal(span("0s"), 0n);
});

Deno.test("decodeJsonV1() reads CAF's valid timestamps, zones applied", () => {
  const base = BigInt(Date.UTC(2021, 1, 3, 14, 25, 36)) * 1_000_000n;
  assert.equal(stamp("2021-02-03T14:25:36"), base);
  assert.equal(stamp("2021-02-03T14:25:36Z"), base);
  assert.equal(stamp("2021-02-03T14:25:36+02:00"), base - 7200n * S);
  assert.equal(stamp("2021-02-03T14:25:36-01:30"), base + 5400n * S);
  assert.equal(stamp("2021-02-03T14:25:36.000"), base);
  assert.equal(stamp("2021-02-03T14:25:36.012Z"), base + 12_000_000n);
  assert.equal(stamp("2021-02-03T14:25:36.123+02:00"), base + 123_000_000n - 7200n * S);
  assert.equal(stamp("2021-02-03T14:25:36.999-01:30"), base + 999_000_000n + 5400n * S);
  // to_string round trip: "1999-09-09T09:09:09.009".
  assert.equal(
    stamp("1999-09-09T09:09:09.009"),
    BigInt(Date.UTC(1999, 8, 9, 9, 9, 9, 9)) * 1_000_000n,
  );
});

Deno.test("decodeJsonV1() reads the zone and fraction forms CAF's timestamp parser allows", () => {
  const base = BigInt(Date.UTC(2021, 1, 3, 14, 25, 36)) * 1_000_000n;
  assert.equal(stamp("2021-02-03T14:25:36+05"), base - 5n * 3600n * S);
  assert.equal(stamp("2021-02-03T14:25:36-0130"), base + 5400n * S);
  assert.equal(stamp("2021-02-03T14:25:36."), base);
  assert.equal(stamp("2021-02-03T14:25:36.123456789Z"), base + 123_456_789n);
});

Deno.test("decodeJsonV1() refuses CAF's invalid timestamps", () => {
  for (
    const text of [
      "2021-02-29T01:00:00", // not a leap year
      "2021-00-10T01:00:00", // month < 1
      "2021-13-10T01:00:00", // month > 12
      "2021-01-00T01:00:00", // day < 1
      "2021-01-32T01:00:00", // day > 31
      "2021-01-01T24:00:00", // hour > 23
      "2021-01-01T00:60:00", // minute > 59
      "2021-01-01T00:00:60", // second > 59
      "2021-02-03T14:25:36.1234567890", // more than 9 fraction digits
      "2021-02-03T14:25:36+5", // one-digit zone hour
      "2021-02-03 14:25:36", // no T
      "+2021-02-03T14:25:36", // a sign before the year
    ]
  ) refuses("timestamp", text);
});

Deno.test("decodeJsonV1() parses 5-digit years and refuses them as outside int64 nanoseconds", () => {
  // CAF reads any number of year digits; Broker's int64 nanoseconds end in 2262, where its
  // conversion overflows. zcluster refuses such a timestamp with a message naming the range.
  assert.throws(
    () => decodeJsonV1({ "@data-type": "timestamp", data: "10000-01-01T00:00:00" }),
    /"10000-01-01T00:00:00": expected .* between 1677-09-21 and 2262-04-11/,
  );
  assert.equal(stamp("2262-04-11T23:47:16.854775807"), 0x7fff_ffff_ffff_ffffn);
});

Deno.test("encodeJsonV1() writes what Broker's parser reads back", () => {
  for (const ns of [0n, 1n, 1500n, -3000n, 5n * S, 7200n * S, -90n * 3600n * S]) {
    const text = encodeJsonV1(new Timespan(ns));
    assert.equal((decodeJsonV1(text) as Timespan).ns, ns, text);
  }
  for (const ns of [0n, 1_612_362_336_012_000_000n, -1_000n * S]) {
    const text = encodeJsonV1(new Timestamp(ns));
    assert.equal((decodeJsonV1(text) as Timestamp).ns, ns, text);
  }
});
