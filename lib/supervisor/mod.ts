/**
 * Running a whole local cluster as child processes (`zcluster start`).
 *
 * @module
 */
export * from "./supervisor.ts";
