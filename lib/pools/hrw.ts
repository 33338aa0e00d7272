/**
 * Rendezvous (highest random weight) hashing as Zeek's `hrw_weight` and `HashHRW::get_site`.
 *
 * @module
 */

/** Multiplier of the linear congruential step in `hrw_weight`. */
export const HRW_MULTIPLIER = 1103515245;

/** Increment of the linear congruential step in `hrw_weight`. */
export const HRW_INCREMENT = 12345;

/**
 * Zeek's `hrw_weight(digest, site_id)`, in uint32 arithmetic:
 * `d = digest & 0x7fffffff`,
 * `w = (A * ((A * site_id + C) mod 2^32 XOR d) + C) mod 2^32`, result `w mod 2^31`.
 *
 * @param digest The key digest (see `hrwKeyDigest`), an unsigned 32-bit integer.
 * @param siteId The site id (a pool member's `fnv1a32(alias)`), an unsigned 32-bit integer.
 * @returns The weight, in `0..2^31-1`.
 * @example
 * ```ts
 * import { hrwWeight } from "./hrw.ts";
 * hrwWeight(890022063, 4178617771); // 1054877012
 * ```
 */
export function hrwWeight(digest: number, siteId: number): number {
  const d = digest & 0x7fffffff;
  const s = (Math.imul(HRW_MULTIPLIER, siteId) + HRW_INCREMENT) >>> 0;
  return (Math.imul(HRW_MULTIPLIER, s ^ d) + HRW_INCREMENT) & 0x7fffffff;
}

/**
 * The live sites of one HRW pool, each carrying a value (Zeek's `HashHRW::Pool`).
 *
 * @typeParam T The value stored with each site.
 * @example
 * ```ts
 * import { HrwSites } from "./hrw.ts";
 * const sites = new HrwSites<string>();
 * sites.add(4178617771, "worker-1");
 * sites.add(3162793146, "worker-2");
 * sites.choose(890022063); // "worker-2"
 * ```
 */
export class HrwSites<T> {
  #sites = new Map<number, T>();

  /** The number of sites. */
  get size(): number {
    return this.#sites.size;
  }

  /**
   * Adds a site.
   *
   * @param siteId The site id.
   * @param value The value {@link choose} returns for the site.
   * @returns `false` if a site with this id is already present (it is left unchanged).
   */
  add(siteId: number, value: T): boolean {
    if (this.#sites.has(siteId)) return false;
    this.#sites.set(siteId, value);
    return true;
  }

  /**
   * Removes a site.
   *
   * @param siteId The site id.
   * @returns `false` if there was no such site.
   */
  remove(siteId: number): boolean {
    return this.#sites.delete(siteId);
  }

  /**
   * Whether a site is present.
   *
   * @param siteId The site id.
   * @returns `true` if present.
   */
  has(siteId: number): boolean {
    return this.#sites.has(siteId);
  }

  /**
   * The site with the highest weight for a key digest; on equal weight the larger site id.
   *
   * @param digest The key digest.
   * @returns The chosen site's value, or `undefined` when there are no sites.
   */
  choose(digest: number): T | undefined {
    let bestId = -1;
    let bestWeight = -1;
    let best: T | undefined;
    for (const [siteId, value] of this.#sites) {
      const w = hrwWeight(digest, siteId);
      if (w > bestWeight || (w === bestWeight && siteId > bestId)) {
        bestWeight = w;
        bestId = siteId;
        best = value;
      }
    }
    return best;
  }
}
