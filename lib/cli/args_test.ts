import assert from "node:assert/strict";
import { OptionsError } from "../errors.ts";
import { nearestFlag, parseCliArgs, splitFlags, WEBSOCKET_FLAGS } from "./args.ts";
import { parseDurationMs } from "./duration.ts";

Deno.test("parseCliArgs() defaults to run and reads CLUSTER_NODE", () => {
  const a = parseCliArgs([], { CLUSTER_NODE: "worker-1" });
  assert.equal(a.command, "run");
  assert.equal(a.node, "worker-1");
  assert.equal(parseCliArgs(["run", "--node", "w2"], { CLUSTER_NODE: "w1" }).node, "w2");
  assert.equal(a.exitWithParent, false);
  assert.equal(parseCliArgs(["run", "--exit-with-parent"]).exitWithParent, true);
});

Deno.test("parseCliArgs() maps flags to option overrides", () => {
  const a = parseCliArgs([
    "run",
    "--rotate",
    "10s",
    "--format",
    "json",
    "--log-dir",
    "/x",
    "--log-format",
    "json",
  ]);
  assert.equal(a.overrides.rotationIntervalMs, 10_000);
  assert.equal(a.overrides.eventSerializer, "broker-json-v1");
  assert.equal(a.overrides.logDir, "/x");
  assert.equal(a.overrides.logFormat, "json");
  assert.equal(parseCliArgs(["--no-heartbeat"]).overrides.zeromq?.heartbeatIntervalMs, 0);
});

Deno.test("parseCliArgs() rejects unknown commands, flags and bad values", () => {
  assert.throws(() => parseCliArgs(["launch"]), /Unknown command "launch"/);
  assert.throws(() => parseCliArgs(["--nodes", "x"]), OptionsError);
  assert.throws(() => parseCliArgs(["--rotate", "soon"]), /--rotate "soon"/);
  assert.throws(() => parseCliArgs(["--format", "xml"]), /--format "xml"/);
  assert.throws(() => parseCliArgs(["--log-level", "loud"]), /--log-level/);
});

Deno.test("parseDurationMs() reads Zeek-style durations", () => {
  assert.equal(parseDurationMs("10s"), 10_000);
  assert.equal(parseDurationMs("500ms"), 500);
  assert.equal(parseDurationMs("1h"), 3_600_000);
  assert.equal(parseDurationMs("2 min"), 120_000);
  assert.equal(parseDurationMs("1.5"), 1500);
  assert.equal(parseDurationMs("0"), 0);
  assert.throws(() => parseDurationMs("-1s"), RangeError);
  assert.throws(() => parseDurationMs("10 parsecs"), RangeError);
});

Deno.test("parseCliArgs() maps --set NAME=VALUE to overrides, JSON values first", () => {
  const a = parseCliArgs([
    "--set",
    "enableRoundRobinLogging=false",
    "--set",
    "zeromq.lingerMs=100",
    "--set",
    "logDir=/var/log/zeek",
  ]);
  assert.equal(a.overrides.enableRoundRobinLogging, false);
  assert.equal(a.overrides.zeromq?.lingerMs, 100);
  assert.equal(a.overrides.logDir, "/var/log/zeek");
  assert.throws(() => parseCliArgs(["--set", "novalue"]), /Invalid --set "novalue"/);
  assert.throws(() => parseCliArgs(["--set", "=1"]), /Invalid --set/);
});

Deno.test("parseCliArgs() reads --websocket [ADDR:]PORT and its TLS files", () => {
  assert.deepEqual(parseCliArgs(["--websocket", "27759"]).websocket, {
    listenAddr: "127.0.0.1",
    listenPort: 27759,
  });
  assert.deepEqual(parseCliArgs(["--websocket", "[::1]:80"]).websocket, {
    listenAddr: "::1",
    listenPort: 80,
  });
  const tls = parseCliArgs([
    "--websocket",
    "0.0.0.0:1",
    "--websocket-cert",
    "c",
    "--websocket-key",
    "k",
  ]);
  assert.equal(tls.websocket?.certFile, "c");
  assert.throws(() => parseCliArgs(["--websocket", "x:y"]), /Invalid --websocket/);
  assert.throws(() => parseCliArgs(["--websocket-cert", "c"]), /need --websocket/);
  assert.throws(() => parseCliArgs(["--websocket", "1", "--websocket-key", "k"]), /go together/);
});

Deno.test("parseCliArgs() reads --websocket-undeclared-events refuse|accept", () => {
  assert.equal(
    parseCliArgs(["--websocket", "27759", "--websocket-undeclared-events", "accept"]).websocket
      ?.undeclaredEvents,
    "accept",
  );
  assert.equal(parseCliArgs(["--websocket", "27759"]).websocket?.undeclaredEvents, undefined);
  assert.throws(
    () => parseCliArgs(["--websocket", "1", "--websocket-undeclared-events", "drop"]),
    /Invalid --websocket-undeclared-events "drop": expected one of refuse, accept/,
  );
  assert.throws(
    () => parseCliArgs(["--websocket-undeclared-events", "accept"]),
    /needs --websocket/,
  );
});

Deno.test("parseCliArgs() gives --rotate -1h the message of --rotate=-1h", () => {
  const message = (argv: string[]) => {
    try {
      parseCliArgs(argv);
    } catch (error) {
      assert.ok(error instanceof OptionsError);
      return error.message;
    }
    assert.fail(`${argv.join(" ")} was accepted`);
  };
  const spaced = message(["run", "--rotate", "-1h"]);
  assert.equal(spaced, message(["run", "--rotate=-1h"]));
  assert.equal(spaced, 'Invalid --rotate "-1h": a duration cannot be negative');
  assert.match(message(["status", "--timeout", "-5s"]), /Invalid --timeout "-5s"/);
  // A value that merely starts with a dash is still a flag, and `--` still ends the flags.
  assert.equal(parseCliArgs(["status", "--", "--rotate", "-1h"]).positionals.length, 2);
});

Deno.test("parseCliArgs() names the nearest known flag for an unknown one", () => {
  assert.throws(
    () => parseCliArgs(["run", "--lgo-dir", "x"]),
    /^OptionsError: Unknown option '--lgo-dir': did you mean --log-dir\? See zcluster --help$/,
  );
  assert.throws(() => parseCliArgs(["--websock", "1"]), /did you mean --websocket\?/);
  assert.throws(() => parseCliArgs(["--nodee", "x"]), /did you mean --node\?/);
  assert.throws(() => parseCliArgs(["--proxy-xpb", "x"]), /did you mean --proxy-xpub\?/);
  const far = (() => {
    try {
      parseCliArgs(["--frobnicate"]);
    } catch (error) {
      return (error as Error).message;
    }
  })();
  assert.equal(far, "Unknown option '--frobnicate'; see zcluster --help");
  assert.equal(nearestFlag("--rotat"), "--rotate");
  assert.equal(nearestFlag("--zzzzzzzz"), undefined);
});

Deno.test("splitFlags() takes the WebSocket flags out of a command line, both spellings", () => {
  assert.deepEqual(
    splitFlags([
      "start",
      "--websocket",
      "27759",
      "--log-dir",
      "l",
      "--websocket-cert=c.pem",
      "--websocket-key",
      "k.pem",
    ], WEBSOCKET_FLAGS),
    {
      rest: ["start", "--log-dir", "l"],
      taken: ["--websocket", "27759", "--websocket-cert=c.pem", "--websocket-key", "k.pem"],
    },
  );
  assert.deepEqual(splitFlags(["start", "--rotate", "-1h"], WEBSOCKET_FLAGS).rest, [
    "start",
    "--rotate=-1h",
  ]);
});
