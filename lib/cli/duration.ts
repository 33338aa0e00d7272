/**
 * Duration text as operators write it (`10s`, `500ms`, `1h`, `2min`, `1.5s`), as Zeek writes
 * intervals.
 *
 * @module
 */

const UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  msec: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/**
 * Parses a duration into milliseconds. A bare number means seconds.
 *
 * @param text e.g. `10s`, `0`, `1.5 min`.
 * @param what The name of the option, for the error message.
 * @returns Milliseconds.
 * @throws {RangeError} When the text is not a duration.
 */
export function parseDurationMs(text: string, what = "duration"): number {
  if (/^\s*-/.test(text)) {
    throw new RangeError(`Invalid ${what} ${JSON.stringify(text)}: a duration cannot be negative`);
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match?.[2]?.toLowerCase() ?? "";
  const factor = unit === "" ? 1000 : UNITS_MS[unit];
  if (!match || factor === undefined) {
    throw new RangeError(
      `Invalid ${what} ${
        JSON.stringify(text)
      }: expected a number with a unit (ms, s, min, h, d), e.g. 10s`,
    );
  }
  return Math.round(Number(match[1]) * factor);
}
