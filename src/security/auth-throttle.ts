import type { Config } from "../config.js";
import type { RateLimiter } from "./rate-limiter.js";

const TOO_MANY = "too many attempts; try again later";

/** Login and registration limits per client IP and per username (credential stuffing, brute force). */
export class AuthThrottle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: Config["rateLimits"],
  ) {}

  async login(ip: string, username: string): Promise<void> {
    const { windowSeconds, loginPerIp, loginPerUsername } = this.limits;
    await this.limiter.hit(`login-ip:${ip}`, loginPerIp, windowSeconds, TOO_MANY);
    await this.limiter.hit(`login-user:${username.toLowerCase()}`, loginPerUsername, windowSeconds, TOO_MANY);
  }

  async register(ip: string): Promise<void> {
    const { windowSeconds, registerPerIp } = this.limits;
    await this.limiter.hit(`register-ip:${ip}`, registerPerIp, windowSeconds, TOO_MANY);
  }
}
