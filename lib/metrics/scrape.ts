/**
 * A small parser of the Prometheus text exposition format (0.0.4), enough for `zcluster status`
 * to read counters and gauges (with labels) from a node's `/metrics`, zcluster's or Zeek's.
 *
 * @module
 */

/** A metric family's type as declared by `# TYPE`; `untyped` when there is none. */
export type ScrapedType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

/** One sample line. */
export interface ScrapedSample {
  /** The sample name, e.g. `exposer_request_latencies_count`. */
  readonly name: string;
  /** Its labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Its value; `NaN` for `Nan`/`NaN`, ±Infinity for `±Inf`. */
  readonly value: number;
}

/** One family: its `# HELP`, `# TYPE` and samples. */
export interface ScrapedFamily {
  readonly name: string;
  help: string | undefined;
  type: ScrapedType;
  readonly samples: ScrapedSample[];
}

const TYPES: readonly ScrapedType[] = ["counter", "gauge", "histogram", "summary", "untyped"];
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/**
 * Parses a Prometheus text exposition into families, in order of appearance. Samples named
 * `<family>_sum`, `_count` or `_bucket` belong to a summary or histogram `<family>`.
 *
 * @param text The body of a `/metrics` response.
 * @returns Families by name.
 * @throws {SyntaxError} `Cannot parse metrics line N: <reason>` for malformed lines.
 * @example
 * ```ts
 * import { parsePrometheusText } from "./scrape.ts";
 * const f = parsePrometheusText('# TYPE x_total counter\nx_total{node="m"} 3\n');
 * console.assert(f.get("x_total")?.samples[0]?.value === 3);
 * ```
 */
export function parsePrometheusText(text: string): Map<string, ScrapedFamily> {
  const families = new Map<string, ScrapedFamily>();
  const family = (name: string): ScrapedFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, help: undefined, type: "untyped", samples: [] };
      families.set(name, f);
    }
    return f;
  };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (line === "") continue;
    const fail = (reason: string) =>
      new SyntaxError(`Cannot parse metrics line ${i + 1}: ${reason}`);
    if (line.startsWith("#")) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!m) continue; // Other comments are allowed and ignored.
      const [, kind, name = "", rest = ""] = m;
      if (kind === "HELP") family(name).help = unescape(rest, false);
      else {
        const type = rest.trim() as ScrapedType;
        if (!TYPES.includes(type)) throw fail(`unknown type "${rest.trim()}"`);
        family(name).type = type;
      }
      continue;
    }
    const sample = parseSample(line, fail);
    family(ownerOf(families, sample.name)).samples.push(sample);
  }
  return families;
}

/**
 * Sums the samples named `name` whose labels include every entry of `labels`.
 *
 * @param families The result of `parsePrometheusText()`.
 * @param name A sample name, e.g. `zeek_cluster_core_incoming_events_total`.
 * @param labels Labels the samples must have (others are ignored).
 * @returns The sum, or `undefined` when no sample matches.
 */
export function sampleValue(
  families: ReadonlyMap<string, ScrapedFamily>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  let sum: number | undefined;
  for (const s of families.get(ownerOf(families, name))?.samples ?? []) {
    if (s.name !== name) continue;
    if (!Object.entries(labels).every(([k, v]) => s.labels[k] === v)) continue;
    sum = (sum ?? 0) + s.value;
  }
  return sum;
}

function ownerOf(families: ReadonlyMap<string, ScrapedFamily>, sampleName: string): string {
  if (families.has(sampleName)) return sampleName;
  const m = /^(.*)_(sum|count|bucket)$/.exec(sampleName);
  const base = m?.[1];
  const type = base === undefined ? undefined : families.get(base)?.type;
  return base !== undefined && (type === "summary" || type === "histogram") ? base : sampleName;
}

function parseSample(line: string, fail: (reason: string) => SyntaxError): ScrapedSample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw fail("expected a metric name");
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    rest = rest.slice(1).trimStart();
    while (!rest.startsWith("}")) {
      const label = LABEL_NAME.exec(rest)?.[0];
      if (!label) throw fail(`expected a label name in "${name}"`);
      rest = rest.slice(label.length).trimStart();
      if (!rest.startsWith('="')) throw fail(`expected ="..." after label "${label}"`);
      const end = closingQuote(rest, 2);
      if (end < 0) throw fail(`unterminated value of label "${label}"`);
      labels[label] = unescape(rest.slice(2, end), true);
      rest = rest.slice(end + 1).trimStart();
      if (rest.startsWith(",")) rest = rest.slice(1).trimStart();
      else if (!rest.startsWith("}")) throw fail(`expected "," or "}" after label "${label}"`);
    }
    rest = rest.slice(1);
  }
  const [valueText, timestamp, extra] = rest.trim().split(/\s+/);
  if (!valueText) throw fail(`expected a value after "${name}"`);
  if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) {
    throw fail(`unexpected text after the value of "${name}"`);
  }
  const value = parseValue(valueText);
  if (value === undefined) throw fail(`bad value "${valueText}" for "${name}"`);
  return { name, labels, value };
}

function closingQuote(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

function parseValue(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (lower === "+inf" || lower === "inf") return Number.POSITIVE_INFINITY;
  if (lower === "-inf") return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

function unescape(s: string, quotes: boolean): string {
  return s.replace(/\\(.)/g, (whole, c: string) => {
    if (c === "n") return "\n";
    if (c === "\\") return "\\";
    if (c === '"' && quotes) return '"';
    return whole;
  });
}
