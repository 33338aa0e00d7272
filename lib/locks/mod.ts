/**
 * Exclusive, crash-safe locks on log directories and store files, so that a second process never
 * touches the files of one that runs.
 *
 * ```ts
 * import { lockLogDirectory } from "./mod.ts";
 * const dir = Deno.makeTempDirSync();
 * using _lock = lockLogDirectory(dir); // a second process now gets LockHeldError naming our pid
 * ```
 *
 * @module
 */

export {
  assertLogDirectoryFree,
  lockHolder,
  lockLogDirectory,
  lockStoreFile,
  LOG_DIR_LOCK_FILE,
  takeLock,
} from "./lock_file.ts";
export type { FileLock } from "./lock_file.ts";
