/**
 * libzmq through Deno FFI: where the library is found, the C functions we call and the constants
 * of `zmq.h` (libzmq 4.3.5) we use.
 *
 * The library is the one inside the installed `zeromq` npm package: its prebuilt `addon.node`
 * links libzmq statically and exports the whole C API. It is found the way the package's own
 * loader (cmake-ts) finds it: `build/manifest.json` lists one build per platform, libc and Node
 * ABI; the builds for this OS, CPU and libc are tried from the highest ABI down, and the first
 * that opens wins (under Deno 2.9.6 on Debian 12 that is `glibc-127-Release`; the glibc-147 build
 * of some releases needs glibc 2.38). `ZCLUSTER_LIBZMQ=/path/libzmq.so.5` overrides the search
 * (for example Debian's `libzmq5`).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { describeError } from "../_util.ts";

/** The environment variable naming another libzmq to open. */
export const LIBZMQ_ENV = "ZCLUSTER_LIBZMQ";

/** The C functions of libzmq used by this folder (only the waits are `nonblocking`). */
export const LIBZMQ_SYMBOLS = {
  zmq_version: { parameters: ["buffer", "buffer", "buffer"], result: "void" },
  zmq_has: { parameters: ["buffer"], result: "i32" },
  zmq_errno: { parameters: [], result: "i32" },
  zmq_strerror: { parameters: ["i32"], result: "pointer" },
  zmq_ctx_new: { parameters: [], result: "pointer" },
  zmq_ctx_set: { parameters: ["pointer", "i32", "i32"], result: "i32" },
  zmq_ctx_shutdown: { parameters: ["pointer"], result: "i32" },
  /** Blocks until every socket is closed and has lingered: run off the event loop. */
  zmq_ctx_term: { parameters: ["pointer"], result: "i32", nonblocking: true },
  zmq_socket: { parameters: ["pointer", "i32"], result: "pointer" },
  zmq_close: { parameters: ["pointer"], result: "i32" },
  zmq_setsockopt: { parameters: ["pointer", "i32", "buffer", "usize"], result: "i32" },
  zmq_getsockopt: { parameters: ["pointer", "i32", "buffer", "buffer"], result: "i32" },
  zmq_bind: { parameters: ["pointer", "buffer"], result: "i32" },
  zmq_connect: { parameters: ["pointer", "buffer"], result: "i32" },
  zmq_send: { parameters: ["pointer", "buffer", "usize", "i32"], result: "i32" },
  zmq_msg_init: { parameters: ["buffer"], result: "i32" },
  zmq_msg_init_size: { parameters: ["buffer", "usize"], result: "i32" },
  zmq_msg_recv: { parameters: ["buffer", "pointer", "i32"], result: "i32" },
  zmq_msg_data: { parameters: ["buffer"], result: "pointer" },
  zmq_msg_more: { parameters: ["buffer"], result: "i32" },
  zmq_msg_close: { parameters: ["buffer"], result: "i32" },
  zmq_socket_monitor: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
  zmq_curve_keypair: { parameters: ["buffer", "buffer"], result: "i32" },
  /** Runs the proxy until TERMINATE on its control socket: on its own thread. */
  zmq_proxy_steerable: {
    parameters: ["pointer", "pointer", "pointer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
} as const satisfies Deno.ForeignLibraryInterface;

/**
 * The C functions of libc: `poll(2)` off the event loop and an `eventfd(2)` for the waiter, and
 * `memcpy` (a fast FFI call, where `UnsafePointerView.copyInto` costs about 0.3 µs).
 */
export const LIBC_SYMBOLS = {
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  /** `poll(2)` with a 0 timeout, on the event loop: does a descriptor hold a signal right now? */
  pollNow: { name: "poll", parameters: ["buffer", "u64", "i32"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  /** Copies a received frame out of its `zmq_msg_t` (the return value is not used). */
  memcpy: { parameters: ["buffer", "pointer", "usize"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened libzmq functions. */
export type LibzmqSymbols = Deno.DynamicLibrary<typeof LIBZMQ_SYMBOLS>["symbols"];
/** The opened libc functions. */
export type LibcSymbols = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

/** Socket types (`zmq.h`). */
export const ZMQ_PAIR = 0;
export const ZMQ_ROUTER = 6;
export const ZMQ_PULL = 7;
export const ZMQ_PUSH = 8;
export const ZMQ_XPUB = 9;
export const ZMQ_XSUB = 10;

/** Context options. */
export const ZMQ_IO_THREADS = 1;
/** Socket and context option ZMQ_IPV6. */
export const ZMQ_IPV6 = 42;

/** Socket options. */
export const ZMQ_SNDBUF = 11;
export const ZMQ_RCVBUF = 12;
export const ZMQ_FD = 14;
export const ZMQ_EVENTS = 15;
export const ZMQ_LINGER = 17;
export const ZMQ_RECONNECT_IVL = 18;
export const ZMQ_RECONNECT_IVL_MAX = 21;
export const ZMQ_SNDHWM = 23;
export const ZMQ_RCVHWM = 24;
export const ZMQ_LAST_ENDPOINT = 32;
export const ZMQ_IMMEDIATE = 39;
export const ZMQ_XPUB_VERBOSE = 40;
export const ZMQ_CURVE_SERVER = 47;
export const ZMQ_CURVE_PUBLICKEY = 48;
export const ZMQ_CURVE_SECRETKEY = 49;
export const ZMQ_CURVE_SERVERKEY = 50;
export const ZMQ_ZAP_DOMAIN = 55;
export const ZMQ_XPUB_NODROP = 69;
export const ZMQ_HEARTBEAT_IVL = 75;
export const ZMQ_HEARTBEAT_TTL = 76;
export const ZMQ_HEARTBEAT_TIMEOUT = 77;
export const ZMQ_XPUB_VERBOSER = 78;
/** Draft option (the package's build has the draft API). */
export const ZMQ_ZAP_ENFORCE_DOMAIN = 93;

/** Send/receive flags. */
export const ZMQ_DONTWAIT = 1;
export const ZMQ_SNDMORE = 2;

/** ZMQ_EVENTS bits. */
export const ZMQ_POLLIN = 1;
export const ZMQ_POLLOUT = 2;

/** Socket monitor events. */
export const ZMQ_EVENT_DISCONNECTED = 0x0200;
export const ZMQ_EVENT_HANDSHAKE_SUCCEEDED = 0x1000;
export const ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL = 0x0800;
export const ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL = 0x2000;

const ZMQ_HAUSNUMERO = 156384712;
/** errno values libzmq reports (Linux numbering for the system ones). */
export const ERRNO_NAMES: ReadonlyMap<number, string> = new Map([
  [4, "EINTR"],
  [11, "EAGAIN"],
  [14, "EFAULT"],
  [19, "ENODEV"],
  [22, "EINVAL"],
  [24, "EMFILE"],
  [32, "EPIPE"],
  [88, "ENOTSOCK"],
  [93, "EPROTONOSUPPORT"],
  [98, "EADDRINUSE"],
  [99, "EADDRNOTAVAIL"],
  [104, "ECONNRESET"],
  [111, "ECONNREFUSED"],
  [113, "EHOSTUNREACH"],
  [ZMQ_HAUSNUMERO + 51, "EFSM"],
  [ZMQ_HAUSNUMERO + 52, "ENOCOMPATPROTO"],
  [ZMQ_HAUSNUMERO + 53, "ETERM"],
  [ZMQ_HAUSNUMERO + 54, "EMTHREAD"],
]);
/** errno EAGAIN. */
export const EAGAIN = 11;
/** errno EINTR. */
export const EINTR = 4;

/** Protocol error codes of HANDSHAKE_FAILED_PROTOCOL, named as zeromq.js names them. */
export const PROTOCOL_ERROR_NAMES: ReadonlyMap<number, string> = new Map([
  [0x10000000, "ERR_ZMTP_UNSPECIFIED"],
  [0x10000001, "ERR_ZMTP_UNEXPECTED_COMMAND"],
  [0x10000002, "ERR_ZMTP_INVALID_SEQUENCE"],
  [0x10000003, "ERR_ZMTP_KEY_EXCHANGE"],
  [0x10000011, "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED"],
  [0x10000012, "ERR_ZMTP_MALFORMED_COMMAND_MESSAGE"],
  [0x10000013, "ERR_ZMTP_MALFORMED_COMMAND_HELLO"],
  [0x10000014, "ERR_ZMTP_MALFORMED_COMMAND_INITIATE"],
  [0x10000015, "ERR_ZMTP_MALFORMED_COMMAND_ERROR"],
  [0x10000016, "ERR_ZMTP_MALFORMED_COMMAND_READY"],
  [0x10000017, "ERR_ZMTP_MALFORMED_COMMAND_WELCOME"],
  [0x10000018, "ERR_ZMTP_INVALID_METADATA"],
  [0x11000001, "ERR_ZMTP_CRYPTOGRAPHIC"],
  [0x11000002, "ERR_ZMTP_MECHANISM_MISMATCH"],
  [0x20000000, "ERR_ZAP_UNSPECIFIED"],
  [0x20000001, "ERR_ZAP_MALFORMED_REPLY"],
  [0x20000002, "ERR_ZAP_BAD_REQUEST_ID"],
  [0x20000003, "ERR_ZAP_BAD_VERSION"],
  [0x20000004, "ERR_ZAP_INVALID_STATUS_CODE"],
  [0x20000005, "ERR_ZAP_INVALID_METADATA"],
]);

/** libzmq could not be found or opened. The message names every path tried. */
export class LibzmqLoadError extends Error {
  override name = "LibzmqLoadError";
}

/** An opened libzmq (and the libc functions the waiter needs). */
export interface Libzmq {
  /** The file that was opened. */
  readonly path: string;
  /** `major.minor.patch` reported by the library. */
  readonly version: string;
  readonly zmq: LibzmqSymbols;
  readonly libc: LibcSymbols;
  /**
   * Whether `zmq_msg_t` is laid out as in libzmq 4.x, so that a receive may read a frame's "more"
   * flag and a very small frame's bytes from the struct instead of calling for them (see
   * {@linkcode MSG_LAYOUT}). Checked when the library is opened; cleared for good if a received
   * frame's flag ever disagrees with `zmq_msg_more`.
   */
  readonly msgLayout: { ok: boolean; checked: number };
}

/**
 * Offsets in libzmq 4.x's 64-byte `zmq_msg_t` (`src/msg.hpp`, the same from 4.0 to 4.3.5 on
 * 64-bit): every kind ends with `type` at 42 and `flags` at 43 (bit 0: more frames follow); a
 * "very small message" (type 101) holds up to 33 bytes inline, from offset 8, its size at 41.
 */
export const MSG_LAYOUT = Object.freeze({
  type: 42,
  flags: 43,
  vsmType: 101,
  vsmSize: 41,
  vsmData: 8,
  vsmMax: 33,
  /** Frames whose flag is compared with `zmq_msg_more` before the flag alone is trusted. */
  crossChecks: 1024,
});

/** Options of {@linkcode openLibzmq}. */
export interface OpenLibzmqOptions {
  /** A library file to open instead of the search. Default: `$ZCLUSTER_LIBZMQ`, then the package. */
  path?: string;
  /** The `zeromq` package folder to search. Default: resolved from this module. */
  packageDir?: string;
  /**
   * Where a compiled binary copies the library when it cannot be opened inside the binary's
   * embedded file system. Default `$ZCLUSTER_CACHE_DIR`, else `$XDG_CACHE_HOME/zcluster`, else
   * `~/.cache/zcluster`.
   */
  cacheDir?: string;
}

/** The environment variable naming the cache folder of {@linkcode materializeLibrary}. */
export const CACHE_DIR_ENV = "ZCLUSTER_CACHE_DIR";

/**
 * The candidate library files of the `zeromq` package for this platform, best first, as the
 * package's loader orders them (same OS, CPU and libc; highest Node ABI first).
 *
 * @throws {LibzmqLoadError} when the package or its `build/manifest.json` cannot be read.
 *
 * @example
 * ```ts ignore
 * libzmqCandidates(); // [".../zeromq/build/linux/x64/node/glibc-127-Release/addon.node", ...]
 * ```
 */
export function libzmqCandidates(packageDir?: string): string[] {
  let dir = packageDir;
  if (dir === undefined) {
    try {
      const require = createRequire(import.meta.url);
      dir = require.resolve("zeromq/package.json").replace(/[\\/]package\.json$/, "");
    } catch (error) {
      // A compiled binary embeds node_modules/zeromq (deno.json's compile task) without it being
      // in the module graph: look where the project's node_modules folder is.
      const fallback = new URL("../../../node_modules/zeromq", import.meta.url).pathname;
      if (existsSync(`${fallback}/build/manifest.json`)) return libzmqCandidates(fallback);
      throw new LibzmqLoadError(
        `Cannot find libzmq: the npm package "zeromq" is not installed (${
          describeError(error)
        }); ` +
          `run "deno install" or set ${LIBZMQ_ENV}=/path/to/libzmq.so.5`,
        { cause: error },
      );
    }
  }
  const manifestPath = `${dir}/build/manifest.json`;
  let manifest: Record<string, string>;
  try {
    manifest = JSON.parse(Deno.readTextFileSync(manifestPath));
  } catch (error) {
    throw new LibzmqLoadError(
      `Cannot find libzmq: cannot read ${manifestPath}: ${describeError(error)}`,
      { cause: error },
    );
  }
  const libc = Deno.build.os === "linux"
    ? (existsSync("/etc/alpine-release") ? "musl" : "glibc")
    : Deno.build.os === "darwin"
    ? "libc"
    : Deno.build.os === "windows"
    ? "msvc"
    : "unknown";
  const arch = Deno.build.arch === "x86_64" ? "x64" : "arm64";
  const os = Deno.build.os === "windows" ? "win32" : Deno.build.os;
  const found: { abi: number; path: string }[] = [];
  for (const [key, file] of Object.entries(manifest)) {
    let c: { os?: string; arch?: string; libc?: string; abi?: number };
    try {
      c = JSON.parse(key);
    } catch {
      continue;
    }
    if (c.os !== os || c.arch !== arch || c.libc !== libc) continue;
    found.push({ abi: c.abi ?? 0, path: `${dir}/build/${file.replaceAll("\\", "/")}` });
  }
  found.sort((a, b) => b.abi - a.abi);
  return found.map((f) => f.path);
}

/**
 * Opens libzmq: `options.path`, else `$ZCLUSTER_LIBZMQ`, else the first build of the `zeromq`
 * package that opens. Each call opens the library again (the OS shares one copy).
 *
 * @throws {LibzmqLoadError} naming every path tried and why each failed.
 *
 * @example
 * ```ts ignore
 * const lib = openLibzmq();
 * console.log(lib.path, lib.version); // ".../glibc-127-Release/addon.node" "4.3.5"
 * ```
 */
export function openLibzmq(options: OpenLibzmqOptions = {}): Libzmq {
  const explicit = options.path ?? envPath();
  const candidates = explicit !== undefined ? [explicit] : libzmqCandidates(options.packageDir);
  const failures: string[] = [];
  for (const path of candidates) {
    let lib: Deno.DynamicLibrary<typeof LIBZMQ_SYMBOLS>;
    try {
      lib = Deno.dlopen(path, LIBZMQ_SYMBOLS);
    } catch (error) {
      failures.push(`${path}: ${describeError(error)}`);
      if (!isEmbedded(path)) continue;
      // Inside a compiled binary: Deno (>= 2.3) copies an embedded library to a temporary file
      // itself; where that fails (read-only /tmp, a Deno that does not), use our own cache.
      try {
        const cached = materializeLibrary(path, options.cacheDir ?? defaultCacheDir());
        lib = Deno.dlopen(cached, LIBZMQ_SYMBOLS);
      } catch (cacheError) {
        failures.push(`${path} (copied to the cache): ${describeError(cacheError)}`);
        continue;
      }
    }
    const libc = openLibc();
    const v = new Int32Array(3);
    lib.symbols.zmq_version(v.subarray(0, 1), v.subarray(1, 2), v.subarray(2, 3));
    return {
      path,
      version: `${v[0]}.${v[1]}.${v[2]}`,
      zmq: lib.symbols,
      libc,
      msgLayout: { ok: hasMsgLayout(lib.symbols), checked: 0 },
    };
  }
  const source = explicit !== undefined
    ? (options.path !== undefined ? "the path given" : `${LIBZMQ_ENV}`)
    : `the "zeromq" package`;
  throw new LibzmqLoadError(
    candidates.length === 0
      ? `Cannot load libzmq: ${source} has no build for ${Deno.build.os} ${Deno.build.arch}`
      : `Cannot load libzmq from ${source}; tried:\n  ${failures.join("\n  ")}`,
  );
}

/**
 * Whether `zmq_msg_t` has the layout of {@linkcode MSG_LAYOUT}: a 5-byte message made by the
 * library must be a very small one whose data pointer is the struct's address + 8 and whose size
 * and type sit where expected, and a 100-byte one must not be.
 */
function hasMsgLayout(zmq: LibzmqSymbols): boolean {
  if (Deno.build.arch !== "x86_64" && Deno.build.arch !== "aarch64") return false;
  const L = MSG_LAYOUT;
  const small = new Uint8Array(64);
  const large = new Uint8Array(64);
  if (zmq.zmq_msg_init_size(small, 5n) !== 0) return false;
  if (zmq.zmq_msg_init_size(large, 100n) !== 0) {
    zmq.zmq_msg_close(small);
    return false;
  }
  try {
    const base = Deno.UnsafePointer.value(Deno.UnsafePointer.of(small));
    const data = Deno.UnsafePointer.value(zmq.zmq_msg_data(small));
    return BigInt(data) === BigInt(base) + BigInt(L.vsmData) && small[L.type] === L.vsmType &&
      small[L.vsmSize] === 5 && (small[L.flags]! & 1) === 0 && large[L.type] !== L.vsmType;
  } finally {
    zmq.zmq_msg_close(small);
    zmq.zmq_msg_close(large);
  }
}

/**
 * Copies a library out of a compiled binary's embedded file system into `cacheDir`, once: the
 * file is named after the SHA-256 of its bytes, and one already there is used only when its size
 * and hash match (else it is replaced, through a temporary file and a rename).
 *
 * @returns the path of the copy.
 * @throws {Error} when the source cannot be read or the cache cannot be written.
 *
 * @example
 * ```ts ignore
 * Deno.dlopen(materializeLibrary(embeddedPath, "/var/cache/zcluster"), symbols);
 * ```
 */
export function materializeLibrary(source: string, cacheDir: string): string {
  const bytes = Deno.readFileSync(source);
  const hash = createHash("sha256").update(bytes).digest("hex");
  const name = source.slice(source.lastIndexOf("/") + 1).replace(/\.[^.]*$/, "");
  const target = `${cacheDir}/${name}-${hash.slice(0, 16)}.so`;
  try {
    const existing = Deno.readFileSync(target);
    if (
      existing.byteLength === bytes.byteLength &&
      createHash("sha256").update(existing).digest("hex") === hash
    ) {
      return target;
    }
  } catch {
    // Not there yet.
  }
  Deno.mkdirSync(cacheDir, { recursive: true });
  const tmp = `${target}.${Deno.pid}.tmp`;
  Deno.writeFileSync(tmp, bytes, { mode: 0o755 });
  Deno.renameSync(tmp, target);
  return target;
}

/** Whether `path` lies in a `deno compile` binary's embedded file system. */
function isEmbedded(path: string): boolean {
  return path.includes("/deno-compile-");
}

function defaultCacheDir(): string {
  const env = (name: string) => {
    try {
      return Deno.env.get(name) || undefined;
    } catch {
      return undefined;
    }
  };
  const explicit = env(CACHE_DIR_ENV);
  if (explicit !== undefined) return explicit;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg !== undefined) return `${xdg}/zcluster`;
  return `${env("HOME") ?? "/tmp"}/.cache/zcluster`;
}

function openLibc(): LibcSymbols {
  const names = Deno.build.os === "darwin" ? ["libc.dylib"] : ["libc.so.6", "libc.so"];
  const failures: string[] = [];
  for (const name of names) {
    try {
      return Deno.dlopen(name, LIBC_SYMBOLS).symbols;
    } catch (error) {
      failures.push(`${name}: ${describeError(error)}`);
    }
  }
  throw new LibzmqLoadError(`Cannot load the C library for poll(2): ${failures.join("; ")}`);
}

function envPath(): string | undefined {
  try {
    const v = Deno.env.get(LIBZMQ_ENV);
    return v === undefined || v === "" ? undefined : v;
  } catch {
    return undefined; // no --allow-env: the package's library
  }
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
