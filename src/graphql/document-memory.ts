/**
 * Heap estimates for the per-document caches (Apollo's document store, persisted queries, the response cache's
 * verdicts), so that each is bounded by the memory it really holds. Apollo's default sizes a cached document by
 * its JSON text, a fifth of what the parsed document holds (its location objects keep every token and the
 * source): a flood of distinct documents held about 5 KB each, not 0.8 (tests/security/memory-flood.test.ts).
 */
import type { DocumentNode, Token } from "graphql";

/** Measured on Node 20: about 300 bytes per token with locations, plus the map entry and the source text. */
const BYTES_PER_TOKEN = 400;
const ENTRY_OVERHEAD = 1024;

export function documentHeapBytes(document: DocumentNode): number {
  let tokens = 0;
  for (let token: Token | null | undefined = document.loc?.startToken; token; token = token.next) tokens++;
  return ENTRY_OVERHEAD + tokens * BYTES_PER_TOKEN + 2 * (document.loc?.source.body.length ?? 0);
}

/** A string held in a map: two bytes a character at worst, plus the entry. */
export function stringHeapBytes(text: string): number {
  return 256 + 2 * text.length;
}

/** A map with least-recently-used eviction bounded by the estimated bytes of its keys and values. */
export class ByteBoundedLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: (key: string, value: V) => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    const bytes = this.sizeOf(key, value);
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.bytes;
      this.entries.delete(key);
    }
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }
}
