import { createHash } from "node:crypto";
import type { Config } from "../config.js";
import type { RateLimiter } from "./rate-limiter.js";

const TOO_MANY = "too many attempts; try again later";

/**
 * The username as it appears in a Redis key: hashed, so that a client's text (up to the whole body limit) never
 * becomes a key, and the same for every letter case.
 */
function usernameKey(username: string): string {
  return createHash("sha256").update(username.toLowerCase()).digest("base64url").slice(0, 22);
}

/** Login and registration limits per client IP and per username (credential stuffing, brute force). */
export class AuthThrottle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: Config["rateLimits"],
  ) {}

  async login(ip: string, username: string): Promise<void> {
    const { windowSeconds, loginPerIp, loginPerUsername } = this.limits;
    await this.limiter.hit(`login-ip:${ip}`, loginPerIp, windowSeconds, TOO_MANY);
    await this.limiter.hit(`login-user:${usernameKey(username)}`, loginPerUsername, windowSeconds, TOO_MANY);
  }

  async register(ip: string): Promise<void> {
    const { windowSeconds, registerPerIp } = this.limits;
    await this.limiter.hit(`register-ip:${ip}`, registerPerIp, windowSeconds, TOO_MANY);
  }
}
