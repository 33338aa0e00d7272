/**
 * Running a whole local cluster as child processes (`zcluster start`).
 *
 * @module
 */

export { EXIT_REFUSED, hostAddresses, isLocalIp, superviseCluster } from "./supervisor.ts";
export type { ChildCommand, ChildResult, SuperviseOptions } from "./supervisor.ts";
