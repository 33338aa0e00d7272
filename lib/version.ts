/**
 * The zcluster version, from `deno.json` (compiled into the binary).
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };

/** The zcluster version. */
export const VERSION: string = denoJson.version;
