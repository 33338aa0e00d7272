/**
 * Dispatch of the event layer: handlers in registration order, listeners of every event and of
 * published events, event declarations, and the event being handled (Zeek's current event).
 *
 * @module
 */
import type { Logger } from "../diagnostics/logger.ts";
import {
  type BrokerValue,
  checkEventArgs,
  type EventMetadataEntry,
  NETWORK_TIMESTAMP,
  Timestamp,
  validateParamTypes,
  type ZeekEvent,
  type ZeekParamType,
} from "../serialization/mod.ts";
import type { AnyEventListener, ClusterStats, EventHandler, EventInfo } from "./events.ts";

/** Handlers, listeners and declarations of one node's events. */
export class EventDispatcher {
  readonly #stats: ClusterStats;
  readonly #logger: Logger;
  /**
   * Handlers per event name. A list is never changed in place: adding or removing makes a new
   * one, so a dispatch walks the list it started with without copying it first.
   */
  readonly #handlers = new Map<string, readonly EventHandler<unknown[]>[]>();
  readonly #signatures = new Map<string, readonly ZeekParamType[]>();
  /**
   * The handlers and declaration of the event name looked up last (a stream of one event needs
   * no `Map` lookup); forgotten whenever either `Map` changes.
   */
  #lastName: string | undefined;
  #lastHandlers: readonly EventHandler<unknown[]>[] | undefined;
  #lastParams: readonly ZeekParamType[] | undefined;
  /** The event whose handlers run now (Zeek's current event), for metadata and timestamps. */
  #current: ZeekEvent | undefined;
  readonly #anyListeners = new Set<AnyEventListener>();
  readonly #publishListeners = new Set<AnyEventListener>();

  /** @param stats Counters it bumps. @param logger Where handler failures go. */
  constructor(stats: ClusterStats, logger: Logger) {
    this.#stats = stats;
    this.#logger = logger;
  }

  /** The event whose handlers are running; `undefined` outside a handler. */
  get current(): ZeekEvent | undefined {
    return this.#current;
  }

  /** The values of one metadata id on the event being handled. @param id A metadata id. */
  currentMetadata(id: bigint): BrokerValue[] {
    return (this.#current?.metadata ?? [])
      .filter((m: EventMetadataEntry) => m.id === id)
      .map((m) => m.value);
  }

  /** The network timestamp of the event being handled, if it carries one. */
  currentTime(): Timestamp | undefined {
    const value = this.currentMetadata(NETWORK_TIMESTAMP)[0];
    return value instanceof Timestamp ? value : undefined;
  }

  /**
   * Declares an event's parameter types (the same types again is a no-op).
   *
   * @param name Event name.
   * @param params Zeek type names of the parameters.
   * @throws {TypeError} For an unknown type name or other types than declared before.
   */
  declare(name: string, params: readonly ZeekParamType[]): void {
    const checked = validateParamTypes(name, params);
    const known = this.#signatures.get(name);
    if (known !== undefined) {
      if (known.length === checked.length && known.every((t, i) => t === checked[i])) return;
      throw new TypeError(
        `Cannot declare event ${name}(${checked.join(", ")}): already declared as ${name}(${
          known.join(", ")
        })`,
      );
    }
    this.#signatures.set(name, [...checked]);
    this.#lastName = undefined;
  }

  /** The declared parameter types of an event. @param name Event name. */
  signatureOf(name: string): readonly ZeekParamType[] | undefined {
    return this.#signatures.get(name);
  }

  /**
   * Why a received event does not fit its declaration, or `undefined` when it does (or is not
   * declared).
   *
   * @param event The decoded event.
   */
  mismatch(event: ZeekEvent): string | undefined {
    this.#lookUp(event.name);
    const params = this.#lastParams;
    return params && checkEventArgs(event, params);
  }

  /** Points the `#last*` fields at `name`'s handlers and declaration. */
  #lookUp(name: string): void {
    if (name === this.#lastName) return;
    this.#lastHandlers = this.#handlers.get(name);
    this.#lastParams = this.#signatures.get(name);
    this.#lastName = name;
  }

  /**
   * Adds a handler; handlers of one event run in registration order.
   *
   * @param name Event name.
   * @param handler The handler.
   * @returns A function that removes it.
   */
  on(name: string, handler: EventHandler<never[]>): () => void {
    const fn = handler as EventHandler<unknown[]>;
    this.#handlers.set(name, [...this.#handlers.get(name) ?? [], fn]);
    this.#lastName = undefined;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const list = this.#handlers.get(name) ?? [];
      const i = list.indexOf(fn);
      if (i < 0) return;
      const rest = list.toSpliced(i, 1);
      if (rest.length > 0) this.#handlers.set(name, rest);
      else this.#handlers.delete(name);
      this.#lastName = undefined;
    };
  }

  /** Listens to every dispatched event. @param listener The listener. @returns Its remover. */
  onAny(listener: AnyEventListener): () => void {
    this.#anyListeners.add(listener);
    return () => this.#anyListeners.delete(listener);
  }

  /** Listens to events published as this node. @param listener The listener. @returns Its remover. */
  onPublish(listener: AnyEventListener): () => void {
    this.#publishListeners.add(listener);
    return () => this.#publishListeners.delete(listener);
  }

  /** Tells the publish listeners of an event this node published. @param event The event. @param info Where it went. */
  published(event: ZeekEvent, info: EventInfo): void {
    for (const listener of this.#publishListeners) {
      try {
        listener(event, info);
      } catch (error) {
        this.#failed(event.name, error);
      }
    }
  }

  /**
   * Runs the listeners and handlers of an event.
   *
   * @param event The event.
   * @param topic The topic it arrived on (`""` for a local raise).
   * @param sender The sender's node id.
   */
  dispatch(event: ZeekEvent, topic: string, sender: string): void {
    this.#stats.handled.inc(event.name);
    if (this.#anyListeners.size > 0) {
      const info: EventInfo = { topic, sender, event };
      for (const listener of this.#anyListeners) {
        try {
          listener(event, info);
        } catch (error) {
          this.#failed(event.name, error);
        }
      }
    }
    this.#lookUp(event.name);
    const list = this.#lastHandlers;
    if (list === undefined) return;
    const outer = this.#current;
    this.#current = event;
    try {
      for (let i = 0; i < list.length; i++) {
        const handler = list[i]!;
        try {
          const result = handler(...event.args);
          if (result instanceof Promise) {
            result.catch((error) => this.#failed(event.name, error));
          }
        } catch (error) {
          this.#failed(event.name, error);
        }
      }
    } finally {
      this.#current = outer;
    }
  }

  #failed(name: string, error: unknown): void {
    this.#stats.handlerErrors++;
    this.#logger.error(
      `Handler of ${name} failed: ${error instanceof Error ? error.message : error}`,
    );
  }
}
