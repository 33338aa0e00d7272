/**
 * Private: builds the typed handles of `handles.ts` over `_Family`.
 *
 * @module
 */

import type { Registry } from "prom-client";
import { _Family, type _LabelValues } from "./_family.ts";
import type {
  CounterMetric,
  GaugeMetric,
  LabelledCounterMetric,
  LabelledGaugeMetric,
  Labels,
} from "./handles.ts";

/** How to build a handle. */
export interface _HandleContext {
  readonly registry: Registry;
  readonly fixedLabels: _LabelValues;
  readonly onSourceError?: ((error: unknown, name: string) => void) | undefined;
}

const NO_LABELS: _LabelValues = {};

function family(
  ctx: _HandleContext,
  kind: "counter" | "gauge",
  name: string,
  help: string,
  labelNames: readonly string[],
): _Family {
  return new _Family({
    registry: ctx.registry,
    kind,
    name,
    help,
    labelNames,
    fixedLabels: ctx.fixedLabels,
    onSourceError: ctx.onSourceError,
  });
}

/** Private: a counter handle; it is exposed at 0 from the start, as Zeek does. */
export function _counter(ctx: _HandleContext, name: string, help: string): CounterMetric {
  const f = family(ctx, "counter", name, help, []);
  f.add(NO_LABELS, 0);
  return {
    name,
    inc: (n = 1) => f.add(NO_LABELS, n),
    get: () => f.get(NO_LABELS),
    addSource: (read) => f.addSource(() => [{ labels: NO_LABELS, value: read() }]),
  };
}

/** Private: a labelled counter handle; `initial` series are exposed at 0 from the start. */
export function _labelledCounter<L extends string>(
  ctx: _HandleContext,
  name: string,
  help: string,
  labelNames: readonly L[],
  initial: readonly Labels<L>[] = [],
): LabelledCounterMetric<L> {
  const f = family(ctx, "counter", name, help, labelNames);
  for (const labels of initial) f.add(labels, 0);
  return {
    name,
    inc: (labels, n = 1) => f.add(labels, n),
    get: (labels) => f.get(labels),
    addSource: (read) => f.addSource(read),
  };
}

/** Private: a gauge handle, exposed at 0 from the start. */
export function _gauge(ctx: _HandleContext, name: string, help: string): GaugeMetric {
  const f = family(ctx, "gauge", name, help, []);
  f.set(NO_LABELS, 0);
  return {
    name,
    set: (value) => f.set(NO_LABELS, value),
    inc: (n = 1) => f.add(NO_LABELS, n),
    dec: (n = 1) => f.add(NO_LABELS, -n),
    get: () => f.get(NO_LABELS),
    addSource: (read) => f.addSource(() => [{ labels: NO_LABELS, value: read() }]),
  };
}

/** Private: a labelled gauge handle. */
export function _labelledGauge<L extends string>(
  ctx: _HandleContext,
  name: string,
  help: string,
  labelNames: readonly L[],
): LabelledGaugeMetric<L> {
  const f = family(ctx, "gauge", name, help, labelNames);
  return {
    name,
    set: (labels, value) => f.set(labels, value),
    inc: (labels, n = 1) => f.add(labels, n),
    dec: (labels, n = 1) => f.add(labels, -n),
    remove: (labels) => f.remove(labels),
    get: (labels) => f.get(labels),
    addSource: (read) => f.addSource(read),
  };
}
