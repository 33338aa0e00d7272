import assert from "node:assert/strict";
import { layout as defaultLayout } from "../../cluster-layout.ts";
import { parseCliArgs } from "./args.ts";
import { OptionsError } from "../errors.ts";
import { resolveOptions } from "../options/options.ts";

Deno.test("--log-compress and --set logCompress/logCompressLevel reach the options", () => {
  const off = resolveOptions({ layout: defaultLayout, node: "logger-1" });
  assert.equal(off.logCompress, "none");
  assert.equal(off.logCompressLevel, 6);
  const flag = parseCliArgs(["--log-compress", "gzip", "--set", "logCompressLevel=9"]);
  const on = resolveOptions({ layout: defaultLayout, node: "logger-1", overrides: flag.overrides });
  assert.equal(on.logCompress, "gzip");
  assert.equal(on.logCompressLevel, 9);
  const set = parseCliArgs(["--set", "logCompress=gzip"]).overrides;
  assert.equal(resolveOptions({ layout: defaultLayout, overrides: set }).logCompress, "gzip");
});

Deno.test("bad compression settings are refused, naming what is wrong", () => {
  assert.throws(() => parseCliArgs(["--log-compress", "zstd"]), /--log-compress "zstd"/);
  const bad = (overrides: Record<string, unknown>) => () =>
    resolveOptions({ layout: defaultLayout, node: "logger-1", overrides });
  assert.throws(bad({ logCompress: "bz2" }), OptionsError);
  assert.throws(bad({ logCompress: "bz2" }), /logCompress: expected none or gzip/);
  assert.throws(bad({ logCompressLevel: 0 }), /logCompressLevel: expected an integer from 1 to 9/);
  assert.throws(bad({ logCompressLevel: 2.5 }), /logCompressLevel/);
});
