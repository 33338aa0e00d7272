/**
 * Deployment helpers: systemd units for every node of a layout and a `zcluster.target`.
 *
 * @example
 * ```ts ignore
 * import { renderSystemdUnits, writeSystemdUnits } from "./mod.ts";
 * declare const layout: import("../layout/types.ts").ClusterLayout;
 * const files = renderSystemdUnits({
 *   layout,
 *   binary: "/usr/local/bin/zcluster",
 *   layoutPath: "/etc/zcluster/layout.json",
 *   workingDir: "/var/lib/zcluster",
 * });
 * await writeSystemdUnits("/etc/systemd/system", files);
 * ```
 *
 * @module
 */

export {
  DEFAULT_TIMEOUT_STOP_SEC,
  GENERATOR_WANTS_LINK,
  quoteExecWord,
  renderSystemdUnits,
  SERVICE_NODE_TYPES,
  serviceName,
  writeGeneratorUnits,
  writeSystemdUnits,
  ZCLUSTER_TARGET,
} from "./systemd.ts";
export type { SystemdFile, SystemdUnitsOptions } from "./systemd.ts";
