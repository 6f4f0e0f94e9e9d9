/**
 * MySQL read replicas: which server a read goes to.
 *
 * - Each replica gets a full PrismaClient over its own MariaDB pool, and the primary's client is extended with
 *   Prisma's read-replicas extension for that replica (`@prisma/extension-read-replicas`). The client handed to a
 *   read path therefore sends its reads to the replica while any write or transaction made through it still goes
 *   to the primary: a read path cannot write to a replica by mistake.
 * - Rotation: every `pollMs` the set reads the primary's @@gtid_binlog_pos and each replica's @@gtid_slave_pos.
 *   A replica's lag is the age of the oldest primary position it has not applied yet (0 when it has applied
 *   everything the primary had logged at the last poll), so it is measured in milliseconds, not in the whole
 *   seconds of Seconds_Behind_Master, and it also grows while the replica's threads are stopped. A replica is in
 *   rotation while its last poll answered and its lag is at most `maxLagMs`.
 * - Read-your-writes: a read may name a GTID position it must see (src/db/read-consistency.ts records the
 *   primary's position after a user's write). Only a replica whose last polled position covers it may serve the
 *   read; otherwise the primary does. A replica is never waited for: the primary answers at once.
 * - Failure: a read that fails on a replica (connection refused, reset, timeout, any error) is retried on the
 *   primary (reads are idempotent) and the replica leaves rotation until a poll succeeds again.
 * With no replica configured every read goes straight to the primary client: nothing is polled.
 */
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { readReplicas } from "@prisma/extension-read-replicas";
import * as mariadb from "mariadb";
import type { DatabaseConfig } from "../config.js";
import { PrismaClient } from "../generated/prisma/client.js";
import { metrics } from "../observability/metrics.js";
import { connectionOptions, timedClient } from "./database.js";
import { covers, type GtidPosition, parseGtidPosition } from "./gtid.js";
import { withTimeout } from "../shared/timeout.js";

export interface ReplicaSetOptions {
  maxLagMs: number;
  pollMs: number;
  logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** What a read needs to see: nothing in particular, a GTID position, or the primary itself. */
export type ReadNeed = GtidPosition | "primary" | undefined;

export interface ReplicaState {
  name: string;
  inRotation: boolean;
  up: boolean;
  lagMs: number;
  position: string;
}

// A poll that takes longer than this counts as a failed one (a frozen server answers nothing).
const POLL_TIMEOUT_MS = 2_000;
// Primary positions kept to measure lag against; past this the oldest are dropped (lag is then "at least").
const MAX_HISTORY = 10_000;

class Replica {
  readonly pool: mariadb.Pool;
  readonly client: PrismaClient;
  /** The primary's client, reads routed to this replica by the read-replicas extension. */
  readonly routed: PrismaClient;
  up = false;
  lagMs = Number.POSITIVE_INFINITY;
  position: GtidPosition = new Map();
  positionText = "";

  constructor(
    readonly name: string,
    endpoint: DatabaseConfig,
    primary: PrismaClient,
  ) {
    this.pool = mariadb.createPool({
      ...connectionOptions(endpoint),
      database: endpoint.database,
      connectionLimit: endpoint.connectionLimit,
      // A replica that does not answer must cost a read little: it is retried on the primary.
      connectTimeout: 1_000,
      acquireTimeout: 1_500,
      prepareCacheLength: 256,
    });
    this.client = timedClient(
      new PrismaClient({ adapter: new PrismaMariaDb(this.pool, { database: endpoint.database }) }),
    );
    this.routed = primary.$extends(readReplicas({ replicas: [this.client] })) as unknown as PrismaClient;
  }
}

export class ReplicaSet {
  private readonly members: Replica[];
  private readonly history: { position: GtidPosition; at: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private next = 0;

  constructor(
    private readonly primary: PrismaClient,
    private readonly primaryPool: mariadb.Pool,
    endpoints: DatabaseConfig[],
    private readonly options: ReplicaSetOptions,
  ) {
    this.members = endpoints.map((e) => new Replica(`${e.host}:${e.port}`, e, primary));
    for (const m of this.members) {
      metrics.dbReplicaInRotation.set({ mysql_replica: m.name }, 0);
    }
  }

  /** True when replicas are configured (reads may leave the primary). */
  get enabled(): boolean {
    return this.members.length > 0;
  }

  /** Starts polling; the first poll runs now (until it answers, every read goes to the primary). */
  start(): Promise<void> {
    if (!this.enabled || this.timer) return Promise.resolve();
    this.timer = setInterval(() => void this.poll(), this.options.pollMs);
    this.timer.unref();
    return this.poll();
  }

  /** Polls every replica once (concurrent callers share one poll). */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** True when some replica may take reads now. */
  anyInRotation(): boolean {
    return this.members.some((m) => this.inRotation(m));
  }

  states(): ReplicaState[] {
    return this.members.map((m) => ({
      name: m.name,
      inRotation: this.inRotation(m),
      up: m.up,
      lagMs: m.lagMs,
      position: m.positionText,
    }));
  }

  /**
   * Runs a read on a replica that may serve it, or on the primary. `run` gets a client whose reads go to the
   * chosen server (writes through it would still go to the primary). A failure on a replica is retried on the
   * primary, once.
   */
  async read<T>(need: ReadNeed, run: (db: PrismaClient) => Promise<T>): Promise<T> {
    const replica = need === "primary" ? undefined : this.pick(need);
    if (!replica) {
      if (this.enabled) metrics.dbReads.inc({ target: "primary" });
      return run(this.primary);
    }
    try {
      const result = await run(replica.routed);
      metrics.dbReads.inc({ target: "replica" });
      return result;
    } catch (err) {
      this.markDown(replica, err);
      metrics.dbReplicaFallbacks.inc({ mysql_replica: replica.name });
      metrics.dbReads.inc({ target: "primary" });
      return run(this.primary);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling?.catch(() => undefined);
    await Promise.allSettled(
      this.members.map(async (m) => {
        await m.client.$disconnect();
        await m.pool.end();
      }),
    );
  }

  private inRotation(m: Replica): boolean {
    return m.up && m.lagMs <= this.options.maxLagMs;
  }

  private pick(need: ReadNeed): Replica | undefined {
    const n = this.members.length;
    for (let i = 0; i < n; i++) {
      const m = this.members[(this.next + i) % n]!;
      if (!this.inRotation(m)) continue;
      if (need instanceof Map && !covers(m.position, need)) continue;
      this.next = (this.next + i + 1) % n;
      return m;
    }
    return undefined;
  }

  private markDown(m: Replica, err: unknown): void {
    if (m.up)
      this.options.logger?.warn(
        { err, replica: m.name },
        "replica read failed: out of rotation, read retried on the primary",
      );
    m.up = false;
    this.publish(m);
  }

  private publish(m: Replica): void {
    metrics.dbReplicaInRotation.set({ mysql_replica: m.name }, this.inRotation(m) ? 1 : 0);
    if (Number.isFinite(m.lagMs)) metrics.dbReplicaLag.set({ mysql_replica: m.name }, m.lagMs / 1_000);
  }

  private async pollOnce(): Promise<void> {
    const now = Date.now();
    let primaryPosition: GtidPosition | undefined;
    try {
      const [row] = await withTimeout(
        this.primaryPool.query<{ pos: string }[]>("SELECT @@gtid_binlog_pos AS pos"),
        POLL_TIMEOUT_MS,
      );
      primaryPosition = parseGtidPosition(row?.pos);
      this.history.push({ position: primaryPosition, at: now });
      if (this.history.length > MAX_HISTORY) this.history.shift();
    } catch (err) {
      // Without the primary's position lag is unknowable; replicas keep their last state.
      this.options.logger?.warn({ err }, "replica poll: the primary's GTID position could not be read");
    }
    await Promise.all(
      this.members.map(async (m) => {
        const wasInRotation = this.inRotation(m);
        try {
          const [row] = await withTimeout(
            m.pool.query<{ pos: string }[]>("SELECT @@gtid_slave_pos AS pos"),
            POLL_TIMEOUT_MS,
          );
          m.positionText = row?.pos ?? "";
          m.position = parseGtidPosition(m.positionText);
          m.up = true;
          const behind = this.history.find((h) => !covers(m.position, h.position));
          m.lagMs = behind ? Date.now() - behind.at : 0;
        } catch (err) {
          if (m.up)
            this.options.logger?.warn({ err, replica: m.name }, "replica does not answer: out of rotation");
          m.up = false;
        }
        const nowInRotation = this.inRotation(m);
        if (wasInRotation !== nowInRotation) {
          this.options.logger?.info(
            { replica: m.name, lagMs: m.lagMs, up: m.up },
            nowInRotation ? "replica back in rotation" : "replica out of rotation",
          );
        }
        this.publish(m);
      }),
    );
    // Positions every replica has applied measure nothing any more.
    while (
      this.history.length > 1 &&
      this.members.every((m) => covers(m.position, this.history[0]!.position))
    ) {
      this.history.shift();
    }
  }
}
