import { LayoutError } from "../errors.ts";
import type { ClusterLayout } from "./types.ts";
import { validateLayout } from "./validate_layout.ts";

/**
 * Validates an untrusted layout (for example parsed JSON).
 *
 * @param input Anything.
 * @returns The validated, frozen layout.
 * @throws {LayoutError} Listing every problem, each naming the node and the field.
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
