import assert from "node:assert/strict";
import { formatAsciiDouble, formatAsciiTime, formatJsonDouble } from "./_numbers.ts";

Deno.test("formatAsciiDouble() matches Zeek's ASCII writer", () => {
  const cases: [number, string][] = [
    [0.1, "0.1"],
    [1e-7, "0"],
    [-1e-7, "-0"],
    [123456789.123456789, "123456789.123457"],
    [-0.0, "0.0"],
    [1e-300, "0.0"],
    [1.0, "1.0"],
    [-2.5, "-2.5"],
    [3e20, "300000000000000000000.0"],
    [0.000001, "0.000001"],
    [2147483648.0078125, "2147483648.007812"],
    [2147483648.0234375, "2147483648.023438"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
    [NaN, "nan"],
  ];
  for (const [v, want] of cases) assert.equal(formatAsciiDouble(v), want, String(v));
});

Deno.test("formatAsciiTime() uses 6 decimals, and %e above 2^31-1", () => {
  const cases: [number, string][] = [
    [1700000000.1234567, "1700000000.123457"],
    [0, "0.000000"],
    [-0.5, "-0.500000"],
    [1e-7, "0.000000"],
    [2000000000.999999, "2000000000.999999"],
    [3e9, "3.000000e+09"],
    [2147482500, "2147482500.000000"],
    [1e300, "1.000000e+300"],
    [Infinity, "inf"],
    [NaN, "nan"],
  ];
  for (const [v, want] of cases) assert.equal(formatAsciiTime(v), want, String(v));
});

Deno.test("formatJsonDouble() matches Zeek's JSON writer", () => {
  const cases: [number, string][] = [
    [0.1, "0.1"],
    [1e-7, "1e-7"],
    [123456789.123456789, "123456789.12345679"],
    [-0.0, "-0.0"],
    [0, "0.0"],
    [3e20, "300000000000000000000.0"],
    [1e21, "1e21"],
    [1.5e21, "1.5e21"],
    [1e-300, "1e-300"],
    [0.000001, "0.000001"],
    [1.23e-18, "1.23e-18"],
    [1795602265.17231, "1795602265.17231"],
    [-2.5, "-2.5"],
    [NaN, "null"],
    [Infinity, "null"],
  ];
  for (const [v, want] of cases) assert.equal(formatJsonDouble(v), want, String(v));
});
