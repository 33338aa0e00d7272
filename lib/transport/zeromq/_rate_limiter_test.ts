import assert from "node:assert/strict";
import { ManualClock } from "../../clock.ts";
import { RateLimiter } from "./_rate_limiter.ts";

Deno.test("RateLimiter.hit() reports a key at most once per interval and counts the rest", () => {
  const clock = new ManualClock();
  const limiter = new RateLimiter(60_000, () => clock.monotonicMs());
  assert.equal(limiter.hit("10.0.0.1"), 0);
  assert.equal(limiter.hit("10.0.0.1"), undefined);
  assert.equal(limiter.hit("10.0.0.2"), 0);
  clock.advance(59_999);
  assert.equal(limiter.hit("10.0.0.1"), undefined);
  clock.advance(1);
  assert.equal(limiter.hit("10.0.0.1"), 2);
  assert.equal(limiter.hit("10.0.0.1"), undefined);
});

Deno.test("RateLimiter.hit() forgets the oldest key beyond its bound", () => {
  const clock = new ManualClock();
  const limiter = new RateLimiter(60_000, () => clock.monotonicMs(), 2);
  limiter.hit("a");
  limiter.hit("b");
  limiter.hit("c"); // forgets "a"
  assert.equal(limiter.hit("a"), 0);
  assert.equal(limiter.hit("c"), undefined);
});
