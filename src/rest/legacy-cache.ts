import type { FastifyInstance, FastifyReply } from "fastify";
import { sendLegacyBytes } from "./legacy-errors.js";
import { legacyJson } from "./legacy-json.js";

const CACHE = "legacy-response";

export interface LegacyAnswer {
  status: number;
  body: unknown;
  /** Cache tags of everything the body was built from (src/catalog/catalog.tags.ts); none: not worth caching. */
  tags: string[];
}

/**
 * Answers a public legacy read from the response cache (the stored bytes as they are), or builds it and
 * stores it with its tags, so the same invalidations that refresh the data cache refresh these. Off when the
 * response cache is off.
 */
export async function sendCachedLegacy(
  app: FastifyInstance,
  reply: FastifyReply,
  key: string,
  build: () => Promise<LegacyAnswer>,
): Promise<FastifyReply> {
  const { config } = app.deps;
  const ttl = config.cache.enabled ? config.cache.responseTtlSeconds : 0;
  const found = ttl > 0 ? await app.services.cache.peekBytes(CACHE, key) : null;
  if (found?.hit) return sendLegacyBytes(reply.header("x-cache", "HIT"), 200, found.bytes);
  const answer = await build();
  const text = legacyJson(answer.body);
  if (found && answer.status === 200 && answer.tags.length > 0) {
    await app.services.cache.putText(CACHE, key, text, answer.tags, found.seq, ttl);
    reply.header("x-cache", "MISS");
  }
  return sendLegacyBytes(reply, answer.status, Buffer.from(text));
}
