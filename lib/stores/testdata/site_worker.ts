/**
 * A worker of site code that imports the stores (and with them the commit-thread module): its own
 * message handler must stay its own. Used by `sqlite_write_behind_test.ts`.
 *
 * @module
 */
import { SqliteWriteBehindBackend } from "../mod.ts";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<string>) => void) | null;
  postMessage(m: string): void;
};
scope.onmessage = (e) =>
  scope.postMessage(`site got ${e.data} (${typeof SqliteWriteBehindBackend})`);
