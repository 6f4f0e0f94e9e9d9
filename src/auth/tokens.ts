import { randomUUID } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import { BoundedLru } from "../cache/lru.js";
import type { Config } from "../config.js";

export interface IssuedToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

export interface TokenClaims {
  userId: number;
  /** The user's token version when the token was issued; a newer version revokes it. */
  tokenVersion: number;
  jti: string;
  expiresAt: Date;
}

export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

/** Verified tokens remembered per replica: a signed-in client sends the same token with every request. */
const VERIFIED_CACHE_BYTES = 8 * 1024 * 1024;

/** HS256 JWTs with iss, aud, sub (user id), iat, exp, jti and `ver` (token version). */
export class TokenService {
  private readonly key: Uint8Array;
  /** Token text -> its claims. Only verified tokens enter; expiry is checked again on every use. */
  private readonly verified = new BoundedLru<TokenClaims>(
    VERIFIED_CACHE_BYTES,
    (_, token) => 200 + token.length * 2,
  );

  constructor(private readonly auth: Config["auth"]) {
    this.key = new TextEncoder().encode(auth.secretKey);
  }

  async issue(userId: number, tokenVersion: number, now = new Date()): Promise<IssuedToken> {
    const jti = randomUUID();
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.auth.accessTokenExpireMinutes * 60;
    const token = await new SignJWT({ ver: tokenVersion })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(this.auth.issuer)
      .setAudience(this.auth.audience)
      .setSubject(String(userId))
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, jti, expiresAt: new Date(exp * 1000) };
  }

  /**
   * Verifies signature (HS256 only), iss, aud and exp; throws InvalidTokenError for anything wrong. A token
   * verified before is only checked for expiry (revocation is the caller's check, every time).
   */
  async verify(token: string): Promise<TokenClaims> {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt.getTime() > Date.now()) return known;
      this.verified.delete(token);
      throw new InvalidTokenError("ERR_JWT_EXPIRED");
    }
    const claims = await this.verifySignature(token);
    this.verified.set(token, claims);
    return claims;
  }

  private async verifySignature(token: string): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ["HS256"],
        issuer: this.auth.issuer,
        audience: this.auth.audience,
        requiredClaims: ["sub", "exp", "iat", "jti"],
      });
      const userId = Number(payload.sub);
      const tokenVersion = payload.ver;
      if (!Number.isSafeInteger(userId) || userId <= 0 || typeof tokenVersion !== "number") {
        throw new InvalidTokenError("malformed claims");
      }
      return { userId, tokenVersion, jti: payload.jti!, expiresAt: new Date(payload.exp! * 1000) };
    } catch (err) {
      if (err instanceof InvalidTokenError) throw err;
      if (err instanceof errors.JOSEError) throw new InvalidTokenError(err.code);
      throw new InvalidTokenError("unreadable token");
    }
  }
}
