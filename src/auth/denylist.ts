import type { Redis } from "ioredis";
import type { RedisBreaker } from "../cache/breaker.js";

/**
 * Tokens revoked one by one (logout), by jti, kept in Redis until they would have expired anyway. Every
 * replica also remembers the revocations it made itself, so its own logouts hold while Redis is down; a
 * logout made on another replica during a Redis outage is not seen until Redis returns (documented).
 */
const LOCAL_LIMIT = 10_000;

export class TokenDenylist {
  private readonly local = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly breaker: RedisBreaker,
  ) {}

  async revoke(jti: string, expiresAt: Date): Promise<void> {
    const ttlMs = expiresAt.getTime() - Date.now();
    if (ttlMs <= 0) return;
    this.local.set(jti, expiresAt.getTime());
    if (this.local.size > LOCAL_LIMIT) this.local.delete(this.local.keys().next().value!);
    if (!this.breaker.available()) return;
    await this.redis.set(`revoked:${jti}`, "1", "PX", ttlMs).catch((err) => this.breaker.failure(err));
  }

  async isRevoked(jti: string): Promise<boolean> {
    const localExpiry = this.local.get(jti);
    if (localExpiry !== undefined) {
      if (localExpiry > Date.now()) return true;
      this.local.delete(jti);
    }
    if (!this.breaker.available()) return false;
    try {
      return (await this.redis.exists(`revoked:${jti}`)) === 1;
    } catch (err) {
      this.breaker.failure(err);
      return false;
    }
  }
}
