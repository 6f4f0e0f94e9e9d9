import { type RedisClient, scanKeys } from "../../src/cache/redis.js";

/**
 * Deletes the keys whose full names match `pattern` (the shared server is never flushed). One key per command:
 * keys of different hash slots cannot share a DEL in a Redis Cluster; auto-pipelining batches them anyway.
 * `clientPrefix` is the client's key prefix, which SCAN returns in the names and the client would add again.
 */
export async function deleteMatching(
  redis: RedisClient,
  clientPrefix: string,
  pattern: string,
): Promise<void> {
  for await (const keys of scanKeys(redis, pattern)) {
    await Promise.all(keys.map((key) => redis.unlink(key.slice(clientPrefix.length))));
  }
}
