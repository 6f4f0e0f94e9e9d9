/**
 * The data cache as the domain services see it: a read-through cache they always call. Whether caching is on
 * is decided once, where the services are built (src/services.ts): the tagged Redis cache (src/cache/cache.ts)
 * when it is, the pass-through below when it is not, so no service ever branches on it.
 */

/** The tags of a loaded value (it may be null or empty: those are cached too). */
export type TagsOf<T> = (value: T) => string[];

export interface DataCache {
  /** The value of `cache`/`key`, from the cache or from `load` (then stored with `tagsOf(value)`). */
  getOrLoad<T>(cache: string, key: string, load: () => Promise<T>, tagsOf: TagsOf<T>): Promise<T>;
  /**
   * Batch form for DataLoaders: the values of `keys` in their order, the ones not cached loaded by one
   * `loadMissing` call (in the order given) and each stored under its own key and `tagsOf(value, key)`.
   */
  getOrLoadMany<K, T>(
    cache: string,
    keys: readonly K[],
    keyOf: (k: K) => string,
    loadMissing: (missing: K[]) => Promise<T[]>,
    tagsOf: (value: T, k: K) => string[],
  ): Promise<T[]>;
}

/** Caching turned off (CACHE_ENABLED=false): every read loads. */
export class PassThroughCache implements DataCache {
  getOrLoad<T>(_cache: string, _key: string, load: () => Promise<T>, _tagsOf: TagsOf<T>): Promise<T> {
    return load();
  }

  getOrLoadMany<K, T>(
    _cache: string,
    keys: readonly K[],
    _keyOf: (k: K) => string,
    loadMissing: (missing: K[]) => Promise<T[]>,
    _tagsOf: (value: T, k: K) => string[],
  ): Promise<T[]> {
    return loadMissing([...keys]);
  }
}
