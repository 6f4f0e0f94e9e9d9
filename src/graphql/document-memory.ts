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
