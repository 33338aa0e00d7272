/**
 * Exclusive locks that keep a second process off a log directory or a store file.
 *
 * A lock is an operating-system lock (`flock(2)` through `Deno.FsFile.tryLockSync`) on a lock
 * file, which holds the owner's pid for the error message of whoever is refused. The kernel drops
 * the lock when its holder ends, however it ends (`kill -9` included): a lock file left behind by
 * a crash names a dead pid but is not locked, and the next process simply takes it. A clean
 * release removes the file while still holding the lock; a process that opened the old file
 * meanwhile notices (its file is no longer the one at the path) and starts over, so two processes
 * can never both believe they hold the lock.
 *
 * @module
 */

import { LockHeldError } from "../errors.ts";

/** The lock file a log directory holds while a node writes to it. */
export const LOG_DIR_LOCK_FILE = ".zcluster.lock";

/** A lock this process holds; disposing it removes the lock file and releases the lock. */
export interface FileLock extends Disposable {
  /** The lock file. */
  readonly path: string;
  /** What the lock protects, as named in errors (`log directory "logs"`). */
  readonly subject: string;
}

/** The pid written in a lock file, if it holds one. */
function readPid(file: Deno.FsFile): number | undefined {
  const buf = new Uint8Array(32);
  file.seekSync(0, Deno.SeekMode.Start);
  const n = file.readSync(buf) ?? 0;
  const pid = Number(new TextDecoder().decode(buf.subarray(0, n)).trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether `file` is (still) the file at `path`: a released lock file is unlinked. */
function isCurrent(file: Deno.FsFile, path: string): boolean {
  try {
    const opened = file.statSync();
    const now = Deno.statSync(path);
    return opened.ino === now.ino && opened.dev === now.dev;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Takes the exclusive lock of `path` (created if missing) without waiting.
 *
 * @param path The lock file.
 * @param subject What it protects, for the error (`log directory "logs"`).
 * @returns The held lock.
 * @throws {LockHeldError} When another holder has it (another process, or another open of the
 *   same file in this one); the error names the subject and the holder's pid.
 * @example
 * ```ts
 * import { takeLock } from "./lock_file.ts";
 * const dir = Deno.makeTempDirSync();
 * {
 *   using _lock = takeLock(`${dir}/.zcluster.lock`, `log directory "${dir}"`);
 *   // ... only this process writes in dir until the end of the block
 * }
 * Deno.removeSync(dir);
 * ```
 */
export function takeLock(path: string, subject: string): FileLock {
  for (;;) {
    const file = Deno.openSync(path, { read: true, write: true, create: true });
    try {
      if (!file.tryLockSync(true)) {
        throw new LockHeldError(subject, path, readPid(file));
      }
      if (!isCurrent(file, path)) {
        file.close(); // released (and removed) by its holder since we opened it: start over
        continue;
      }
      file.truncateSync(0);
      file.writeSync(new TextEncoder().encode(`${Deno.pid}\n`));
    } catch (error) {
      try {
        file.close();
      } catch { /* already closed */ }
      throw error;
    }
    let held = true;
    return {
      path,
      subject,
      [Symbol.dispose]() {
        if (!held) return;
        held = false;
        try {
          Deno.removeSync(path);
        } catch { /* gone already: the lock is released all the same */ }
        file.close();
      },
    };
  }
}

/**
 * Takes the lock of a log directory (`<dir>/.zcluster.lock`), creating the directory if needed.
 *
 * @param dir The log directory.
 * @returns The held lock.
 * @throws {LockHeldError} When another process holds it.
 * @example
 * ```ts
 * import { lockLogDirectory } from "./lock_file.ts";
 * const dir = Deno.makeTempDirSync();
 * const lock = lockLogDirectory(dir);
 * lock[Symbol.dispose]();
 * Deno.removeSync(dir);
 * ```
 */
export function lockLogDirectory(dir: string): FileLock {
  Deno.mkdirSync(dir, { recursive: true });
  return takeLock(`${dir}/${LOG_DIR_LOCK_FILE}`, `log directory ${JSON.stringify(dir)}`);
}

/**
 * Checks, without taking it, that no process holds a log directory's lock (what `zcluster start`
 * does before it starts any node).
 *
 * @param dir The log directory.
 * @throws {LockHeldError} When a process holds it, naming its pid.
 * @example
 * ```ts
 * import { assertLogDirectoryFree } from "./lock_file.ts";
 * assertLogDirectoryFree("/nonexistent"); // no lock file, nothing thrown
 * ```
 */
export function assertLogDirectoryFree(dir: string): void {
  const path = `${dir}/${LOG_DIR_LOCK_FILE}`;
  const pid = lockHolder(path);
  if (pid !== undefined) {
    throw new LockHeldError(`log directory ${JSON.stringify(dir)}`, path, pid || undefined);
  }
}

/**
 * Takes the lock of a store's SQLite file (`<file>.lock` beside it), creating its directory.
 *
 * @param file The database file (`:memory:` needs no lock: `undefined` is returned).
 * @param store The store name, for the error.
 * @returns The held lock.
 * @throws {LockHeldError} When another process holds it.
 * @example
 * ```ts
 * import { lockStoreFile } from "./lock_file.ts";
 * lockStoreFile(":memory:", "s"); // undefined
 * ```
 */
export function lockStoreFile(file: string, store: string): FileLock | undefined {
  if (file === ":memory:" || file === "") return undefined;
  const slash = file.lastIndexOf("/");
  if (slash > 0) Deno.mkdirSync(file.slice(0, slash), { recursive: true });
  return takeLock(`${file}.lock`, `store ${JSON.stringify(store)} (${file})`);
}

/**
 * The pid that holds the lock at `path` now, without taking it (nor creating anything).
 *
 * @param path The lock file.
 * @returns The holder's pid (0 when it has not written it yet), or `undefined` when the lock is
 *   free or the file does not exist.
 * @example
 * ```ts
 * import { lockHolder } from "./lock_file.ts";
 * lockHolder("/nonexistent/.zcluster.lock"); // undefined
 * ```
 */
export function lockHolder(path: string): number | undefined {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    // A shared lock: refused while an exclusive holder has it, and never refuses another prober.
    if (file.tryLockSync(false)) {
      file.unlockSync();
      return undefined;
    }
    return readPid(file) ?? 0;
  } finally {
    file.close();
  }
}
