import { LayoutError } from "../errors.ts";
import type { ClusterLayout } from "./types.ts";
import { validateLayout } from "./validate_layout.ts";

/**
 * Validates an untrusted layout (for example parsed JSON).
 *
 * @param input Anything.
 * @returns The validated, frozen layout.
 * @throws {LayoutError} Listing every problem, each naming the node and the field.
 *
 * @example
 * ```ts
 * import { parseLayout } from "../../mod.ts";
 * const layout = parseLayout({
 *   manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762, metricsPort: 9991 },
 *   "logger-1": { nodeType: "LOGGER", ip: "127.0.0.1", p: 27761 },
 *   "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 27763 },
 * });
 * layout["worker-1"]?.nodeType; // "WORKER"
 * ```
 */
export function parseLayout(input: unknown): ClusterLayout {
  return validateLayout(input);
}

/**
 * Parses layout JSON text.
 *
 * @param text JSON text.
 * @param source Where the text came from, for error messages.
 * @returns The validated layout.
 * @throws {LayoutError} When the text is not JSON or the layout is invalid.
 *
 * @example
 * ```ts
 * import { parseLayoutJson } from "../../mod.ts";
 * const layout = parseLayoutJson(
 *   '{"manager": {"nodeType": "MANAGER", "ip": "127.0.0.1", "p": 27762}}',
 *   "layout.json", // named in error messages
 * );
 * ```
 */
export function parseLayoutJson(text: string, source = "layout"): ClusterLayout {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new LayoutError([`${source} is not valid JSON: ${(error as Error).message}`], {
      cause: error,
    });
  }
  return validateLayout(data);
}
