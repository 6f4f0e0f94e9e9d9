import type { FastifyInstance, FastifyReply } from "fastify";
import { offerToHotPath } from "../http/hot-path.js";
import { sendLegacyBytes } from "./legacy-errors.js";
import { legacyJson } from "./legacy-json.js";

const SPACE = "legacy-response";

/**
 * How a legacy read is kept in the response cache (src/cache/response-cache.ts), declared by its route: the
 * entry's key from what the request names, and its tags from the catalogue rows the body was built from
 * (chosen in src/catalog/catalog.tags.ts).
 */
export interface LegacyCachePolicy<K, S> {
  key: (subject: K) => string;
  tags: (source: S) => string[];
}

export interface LegacyAnswer<S> {
  status: number;
  body: unknown;
  /** What the body was built from; null when it names nothing (not worth keeping). */
  source: S | null;
}

/**
 * Answers a public legacy read from the response cache (the stored bytes as they are), or builds it and keeps
 * it under the route's policy, so the same invalidations that refresh the data cache refresh these. A hit is
 * offered to the hot path (src/http/hot-path.ts), which answers the same request again before Fastify, running
 * `effect` (work each showing must do) each time.
 */
export async function sendCachedLegacy<K, S>(
  app: FastifyInstance,
  reply: FastifyReply,
  policy: LegacyCachePolicy<K, S>,
  subject: K,
  build: () => Promise<LegacyAnswer<S>>,
  effect?: () => void,
): Promise<FastifyReply> {
  const { responseCache } = app.services;
  const key = policy.key(subject);
  const sendHit = (bytes: Buffer) => {
    offerToHotPath(reply.request, { space: SPACE, key, effect });
    return sendLegacyBytes(responseCache.hit(reply), 200, bytes);
  };
  const held = responseCache.peekHeld(SPACE, key);
  if (held) return sendHit(held);
  const found = await responseCache.peek(SPACE, key);
  if (found?.hit) return sendHit(found.bytes);
  const answer = await build();
  const text = legacyJson(answer.body);
  if (found && answer.status === 200 && answer.source !== null) {
    await responseCache.store(SPACE, key, found.seq, text, policy.tags(answer.source));
    responseCache.miss(reply);
  }
  return sendLegacyBytes(reply, answer.status, Buffer.from(text));
}
