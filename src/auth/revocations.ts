/**
 * Revocations live in MySQL (`session_revocations`), whatever happens to Redis: a logged-out token stays
 * refused after Redis restarts empty, is flushed, or is unreachable. Caches in Redis and memory only speed up
 * the check, and every replica watches the table so that it drops what it cached for a user within
 * POLL_INTERVAL_MS of a revocation made anywhere, even when the replica that made it could not tell Redis.
 */
import type { Prisma, PrismaClient, RevocationReason } from "../generated/prisma/client.js";

/** How often each replica looks for new revocations; revocations reach every replica within about this. */
export const POLL_INTERVAL_MS = 250;
/** Rows created this long ago are looked at again (commit order and clock skew between replicas). */
const LOOKBACK_MS = 5_000;
/** A watcher that could not poll for this long drops its whole cache: it may have missed revocations. */
const BLIND_AFTER_MS = 2_000;
/** Rows that revoke no single token are kept this long: only watchers need them. */
const EVENT_RETENTION_MS = 24 * 3_600_000;
const PRUNE_EVERY_MS = 10 * 60_000;

type Db = PrismaClient | Prisma.TransactionClient;

export interface RevocationListener {
  /** Something about this user's sessions changed: forget what is cached for them. */
  evict(userId: number): void;
  /** Revocations may have been missed: forget everything. */
  clear(): void;
}

export interface RevocationLogger {
  warn(obj: object, msg: string): void;
}

export class Revocations {
  private timer: NodeJS.Timeout | undefined;
  private lastPoll = Date.now();
  private lastPrune = 0;
  /** Rows already handled, by id, with when they were created (forgotten after LOOKBACK_MS). */
  private readonly seen = new Map<number, number>();
  /** Told after the watched listener (open WebSocket sessions re-check their token). */
  private readonly others = new Set<RevocationListener>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: RevocationLogger,
  ) {}

  /** Revokes one token until it expires (logout). */
  async revokeToken(userId: number, jti: string, expiresAt: Date): Promise<void> {
    if (expiresAt.getTime() <= Date.now()) return;
    await this.prisma.sessionRevocation.upsert({
      where: { jti },
      create: { userId, jti, expiresAt, reason: "LOGOUT" },
      update: {},
    });
  }

  /**
   * Records that every session of the user changed (after tokenVersion was bumped, or the role changed); call
   * inside the transaction that made the change.
   */
  async sessionsChanged(db: Db, userId: number, reason: RevocationReason): Promise<void> {
    await db.sessionRevocation.create({
      data: { userId, reason, expiresAt: new Date(Date.now() + EVENT_RETENTION_MS) },
    });
  }

  /** The ids of the user's tokens revoked one by one that have not expired yet. */
  async revokedTokens(userId: number): Promise<string[]> {
    const rows = await this.prisma.sessionRevocation.findMany({
      where: { userId, jti: { not: null }, expiresAt: { gt: new Date() } },
      select: { jti: true },
    });
    return rows.map((r) => r.jti!);
  }

  /** Another listener of what `watch` finds, told after the watched one (which drops cached sessions). */
  listen(listener: RevocationListener): () => void {
    this.others.add(listener);
    return () => this.others.delete(listener);
  }

  /** Starts polling the table for revocations made anywhere, telling `listener` about them. */
  watch(first: RevocationListener): void {
    const listener: RevocationListener = {
      evict: (userId) => {
        first.evict(userId);
        for (const other of this.others) other.evict(userId);
      },
      clear: () => {
        first.clear();
        for (const other of this.others) other.clear();
      },
    };
    const tick = async () => {
      await this.poll(listener);
      if (this.timer) this.timer = setTimeout(() => void tick(), POLL_INTERVAL_MS).unref();
    };
    this.lastPoll = Date.now();
    this.timer = setTimeout(() => void tick(), POLL_INTERVAL_MS).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One look at recent revocations (exported for tests). */
  async poll(listener: RevocationListener): Promise<void> {
    const started = Date.now();
    try {
      const rows = await this.prisma.$queryRaw<{ id: number; userId: number }[]>`
        SELECT id, user_id AS userId FROM session_revocations
        WHERE created_at >= NOW(3) - INTERVAL ${LOOKBACK_MS / 1000} SECOND`;
      if (started - this.lastPoll > BLIND_AFTER_MS) listener.clear();
      for (const { id, userId } of rows) {
        if (this.seen.has(Number(id))) continue;
        this.seen.set(Number(id), started);
        listener.evict(Number(userId));
      }
      for (const [id, at] of this.seen) if (started - at > 2 * LOOKBACK_MS) this.seen.delete(id);
      this.lastPoll = started;
      if (started - this.lastPrune > PRUNE_EVERY_MS) {
        this.lastPrune = started;
        await this.prisma.$executeRaw`DELETE FROM session_revocations WHERE expires_at < NOW(3) LIMIT 10000`;
      }
    } catch (err) {
      // MySQL unreachable: requests fail on their own reads; the cache is dropped once polling resumes.
      this.log.warn({ err }, "could not poll session revocations");
    }
  }
}
