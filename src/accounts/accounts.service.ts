import type { PasswordHasher } from "../auth/password.js";
import type { Revocations } from "../auth/revocations.js";
import { InvalidTokenError, type IssuedToken, type TokenClaims, type TokenService } from "../auth/tokens.js";
import type { UserCache, UserSnapshot } from "../cache/user-cache.js";
import { isPrismaError } from "../db/prisma-errors.js";
import { ConflictError, InvalidInputError, UnauthenticatedError } from "../errors.js";
import type { ActivityTracker } from "./activity.js";
import type { AuthThrottle } from "../security/auth-throttle.js";
import { metrics } from "../observability/metrics.js";
import { Prisma, type PrismaClient, type User } from "../generated/prisma/client.js";
import { checkText } from "../shared/text.rules.js";
import { checkHttpUrl, checkPassword, checkPhone, checkUsername, NICKNAME_MAX } from "./account.rules.js";

export type { User as UserRow };

export interface RegisterInput {
  username: string;
  password: string;
  nickName?: string | null;
  phone?: string | null;
}

export interface ProfileUpdate {
  nickName?: string | null;
  phone?: string | null;
  avatarUrl?: string | null;
  backgroundUrl?: string | null;
  bio?: string | null;
}

export interface Session extends IssuedToken {
  user: User;
}

/** A request's verified sign-in: the user, the token's claims, and the per-user cache stamps it read. */
export interface SignedIn {
  user: User;
  claims: TokenClaims;
  /** Null when Redis is unusable: then nothing per-user is served from memory. */
  snapshot: UserSnapshot | null;
}

/** What a session check needs of a user, cached per user (see src/cache/user-cache.ts). */
interface SessionState {
  user: User | null;
  /** Ids of this user's tokens revoked one by one (logout) that have not expired. */
  revoked: string[];
}

const SESSION_SLOT = { part: "session", name: "session" } as const;
/** A user's activity is recorded at most this often per replica (the gauge counts users over 5 minutes). */
const ACTIVITY_EVERY_MS = 60_000;

export const WRONG_CREDENTIALS = "wrong username or password";

/** Registration, login, profile and token checks. Knows nothing about HTTP or GraphQL. */
export class AccountsService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly revocations: Revocations,
    private readonly userCache: UserCache,
    private readonly throttle: AuthThrottle,
    private readonly activity: ActivityTracker,
  ) {}

  private readonly lastSeen = new Map<number, number>();

  /** `ip` is the client's address, for the per-IP registration limit. */
  async register(input: RegisterInput, ip: string): Promise<Session> {
    await this.throttle.register(ip);
    const username = checkUsername(input.username);
    checkPassword(input.password);
    const nickName = checkText(input.nickName ?? "", "nickName", NICKNAME_MAX);
    const phone = input.phone == null || input.phone === "" ? null : checkPhone(input.phone);
    const passwordHash = await this.passwords.hash(input.password);
    try {
      // The unique index decides races between concurrent registrations of one name.
      const user = await this.prisma.user.create({ data: { username, passwordHash, nickName, phone } });
      metrics.registrations.inc();
      return { user, ...(await this.tokens.issue(user.id, user.tokenVersion)) };
    } catch (err) {
      if (isPrismaError(err, "P2002")) throw new ConflictError("username is already taken");
      throw err;
    }
  }

  /** One answer for an unknown user and a wrong password, after the same hashing work. */
  async login(username: string, password: string, ip: string): Promise<Session> {
    await this.throttle.login(ip, username);
    const user = USERNAME_SHAPE.test(username)
      ? await this.prisma.user.findUnique({ where: { username } })
      : null;
    if (!(await this.passwords.verify(user?.passwordHash, password)) || !user) {
      metrics.logins.inc({ outcome: "failure" });
      await this.throttle.loginFailed(ip, username);
      throw new UnauthenticatedError(WRONG_CREDENTIALS);
    }
    metrics.logins.inc({ outcome: "success" });
    if (this.passwords.needsRehash(user.passwordHash)) {
      // Best effort: a busy hasher must not fail a correct login; the next login tries again.
      await this.passwords
        .hash(password)
        .then((passwordHash) => this.prisma.user.update({ where: { id: user.id }, data: { passwordHash } }))
        .catch(() => undefined);
    }
    return { user, ...(await this.tokens.issue(user.id, user.tokenVersion)) };
  }

  findById(id: number): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { id } });
  }

  /**
   * The user a bearer token stands for. Throws UnauthenticatedError for a bad, expired or revoked token and
   * for a user that no longer exists. Warm, this is one Redis round trip and no SQL; without Redis it reads
   * the user and their revocations from MySQL every time (never from memory).
   */
  async authenticate(token: string): Promise<SignedIn> {
    let claims;
    try {
      claims = await this.tokens.verify(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) throw new UnauthenticatedError("invalid or expired token");
      throw err;
    }
    const snapshot = await this.userCache.snapshot(claims.userId);
    const state = await this.userCache.get(snapshot, SESSION_SLOT, () => this.loadSession(claims.userId));
    const { user } = state;
    if (!user || user.tokenVersion !== claims.tokenVersion || state.revoked.includes(claims.jti)) {
      throw new UnauthenticatedError("invalid or expired token");
    }
    this.recordActivity(user.id);
    return { user, claims, snapshot };
  }

  private async loadSession(userId: number): Promise<SessionState> {
    const [user, revoked] = await Promise.all([
      this.findById(userId),
      this.revocations.revokedTokens(userId),
    ]);
    return { user, revoked };
  }

  private recordActivity(userId: number): void {
    const now = Date.now();
    if (now - (this.lastSeen.get(userId) ?? 0) < ACTIVITY_EVERY_MS) return;
    if (this.lastSeen.size >= 100_000) {
      for (const [id, at] of this.lastSeen) if (now - at >= ACTIVITY_EVERY_MS) this.lastSeen.delete(id);
    }
    this.lastSeen.set(userId, now);
    this.activity.seen(userId);
  }

  async updateProfile(userId: number, update: ProfileUpdate): Promise<User> {
    const data: Prisma.UserUpdateInput = {};
    if (update.nickName != null) data.nickName = checkText(update.nickName, "nickName", 64);
    if (update.bio != null) data.bio = checkText(update.bio, "bio", 500);
    if (update.phone !== undefined) data.phone = update.phone ? checkPhone(update.phone) : null;
    if (update.avatarUrl !== undefined) {
      data.avatarUrl = update.avatarUrl ? checkHttpUrl(update.avatarUrl, "avatarUrl") : null;
    }
    if (update.backgroundUrl !== undefined) {
      data.backgroundUrl = update.backgroundUrl ? checkHttpUrl(update.backgroundUrl, "backgroundUrl") : null;
    }
    const user = await this.prisma.user.update({ where: { id: userId }, data });
    await this.userCache.touch(userId, ["session"]);
    return user;
  }

  /** Revokes one token (logout on this device). */
  async logout(claims: TokenClaims): Promise<void> {
    await this.revocations.revokeToken(claims.userId, claims.jti, claims.expiresAt);
    await this.sessionsRevoked(claims.userId);
  }

  /** Revokes every token of the user issued so far (logout everywhere). */
  async logoutAll(userId: number): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.user.update({ where: { id: userId }, data: { tokenVersion: { increment: 1 } } });
      await this.revocations.sessionsChanged(tx, userId, "LOGOUT_ALL");
    });
    await this.sessionsRevoked(userId);
  }

  /** After a revocation committed: this replica forgets the user now, the others on their next request. */
  private async sessionsRevoked(userId: number): Promise<void> {
    this.userCache.evict(userId);
    await this.userCache.touch(userId, ["session"]);
  }

  /** Changes the password and revokes every token issued before; returns a fresh session. */
  async changePassword(
    userId: number,
    currentPassword: string,
    newPassword: string,
    ip: string,
  ): Promise<Session> {
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    if (!user) throw new UnauthenticatedError("invalid or expired token");
    // A stolen token must not become a way to guess the password: the login limits apply.
    await this.throttle.login(ip, user.username);
    if (!(await this.passwords.verify(user.passwordHash, currentPassword))) {
      await this.throttle.loginFailed(ip, user.username);
      throw new InvalidInputError("currentPassword", "current password is wrong");
    }
    checkPassword(newPassword, "newPassword");
    const passwordHash = await this.passwords.hash(newPassword);
    const updated = await this.prisma.$transaction(async (tx) => {
      const changed = await tx.user.update({
        where: { id: userId },
        data: { passwordHash, tokenVersion: { increment: 1 } },
      });
      await this.revocations.sessionsChanged(tx, userId, "PASSWORD_CHANGE");
      return changed;
    });
    await this.sessionsRevoked(userId);
    return { user: updated, ...(await this.tokens.issue(updated.id, updated.tokenVersion)) };
  }
}

// Names that can never exist skip the lookup but not the hashing work.
const USERNAME_SHAPE = /^[A-Za-z0-9_]{1,64}$/;
