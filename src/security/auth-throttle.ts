import { createHash } from "node:crypto";
import type { Config } from "../config.js";
import { RateLimitedError } from "../errors.js";
import type { RateLimiter } from "./rate-limiter.js";

const TOO_MANY = "too many attempts; try again later";
/** A username that failed too often, from anywhere, is checked at most once per TURN_MS across replicas. */
const TURN_MS = 400;
/** How long a sign-in may wait for that turn before it is refused (the owner's worst case). */
const MAX_WAIT_MS = 2_000;

/**
 * Login and registration limits (credential stuffing, brute force), built so that strangers cannot lock an
 * account (docs: "Login limits"):
 * - per client address: every login attempt counts (RATE_LIMIT_LOGIN_PER_IP per window);
 * - per username and address: failed logins count (RATE_LIMIT_LOGIN_PER_USERNAME per window); that address
 *   is then refused for that username, other addresses are not;
 * - per username across all addresses: once its failures reach the same limit, its logins are checked one at
 *   a time, one per TURN_MS, each waiting at most MAX_WAIT_MS for its turn: the owner, from an address that
 *   has not failed, signs in after a short delay, and guessing stays bounded to one attempt per TURN_MS
 *   however many addresses it comes from.
 */
export class AuthThrottle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: Config["rateLimits"],
  ) {}

  /** Before checking a password: throws RateLimitedError when this attempt may not be made. */
  async login(ip: string, username: string): Promise<void> {
    const { windowSeconds, loginPerIp, loginPerUsername } = this.limits;
    await this.limiter.hit(`login-ip:${ip}`, loginPerIp, windowSeconds, TOO_MANY);
    const user = userKey(username);
    const counts = await this.limiter.counts([`login-fail:{${user}}:${ip}`, `login-fail:{${user}}`]);
    if (!counts) return;
    const [fromHere, fromAnywhere] = counts;
    if (fromHere >= loginPerUsername) throw new RateLimitedError(TOO_MANY, windowSeconds);
    if (fromAnywhere >= loginPerUsername) {
      if (!(await this.limiter.takeTurn(`login-turn:{${user}}`, TURN_MS, MAX_WAIT_MS))) {
        throw new RateLimitedError(TOO_MANY, Math.ceil(MAX_WAIT_MS / 1000));
      }
    }
  }

  /** After a wrong password. */
  async loginFailed(ip: string, username: string): Promise<void> {
    const { windowSeconds } = this.limits;
    const user = userKey(username);
    await Promise.all([
      this.limiter.increment(`login-fail:{${user}}:${ip}`, windowSeconds),
      this.limiter.increment(`login-fail:{${user}}`, windowSeconds),
    ]);
  }

  async register(ip: string): Promise<void> {
    const { windowSeconds, registerPerIp } = this.limits;
    await this.limiter.hit(`register-ip:${ip}`, registerPerIp, windowSeconds, TOO_MANY);
  }
}

/**
 * The username as it appears in a Redis key, between braces in the bucket names: the counters of one username
 * share a hash slot (read together with one MGET, also on a Redis Cluster), different usernames spread. Hashed, so that a client's text (up to the whole body limit) never
 * becomes a key, and the same for every letter case.
 */
function userKey(username: string): string {
  return createHash("sha256").update(username.toLowerCase()).digest("base64url").slice(0, 22);
}
