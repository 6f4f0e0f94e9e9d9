/**
 * A map bounded by the memory its entries hold (as `sizeOf` estimates it, in bytes, key included where it
 * matters), not by entry count: one large value cannot hide behind a count limit. Eviction approximates least
 * recently used the way CLOCK does: a read only marks its entry, and eviction gives a marked entry a second
 * chance (moves it to the young end, unmarked) instead of removing it. A read is one Map lookup and changes
 * nothing in the Map; moving the entry on every read (delete and insert) cost more than the rest of a warm
 * cached request's lookup.
 */
export class BoundedLru<V> {
  private readonly entries = new Map<string, { value: V; size: number; used: boolean }>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: (value: V, key: string) => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    entry.used = true;
    return entry.value;
  }

  set(key: string, value: V): void {
    const size = this.sizeOf(value, key);
    this.delete(key);
    if (size > this.maxBytes) return;
    this.entries.set(key, { value, size, used: false });
    this.bytes += size;
    // Map iteration order is insertion order: the oldest first. Each turn evicts or unmarks one entry (the one
    // just stored is kept: it is the youngest), and only reads mark them, so this ends.
    while (this.bytes > this.maxBytes) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      if (entry.used || oldest === key) {
        entry.used = false;
        this.entries.set(oldest, entry);
      } else {
        this.bytes -= entry.size;
      }
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.size;
  }

  /** Removes every key starting with `prefix`. */
  deletePrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get sizeInBytes(): number {
    return this.bytes;
  }
}
