/**
 * Follows MariaDB's row binlog and invalidates the cache tags of every committed change to the catalogue
 * tables, so that rows changed straight in MySQL (not through the API) do not stay stale in Redis; changes to
 * users, carts and orders stamp the user's per-user cache anew (src/cache/user-cache.ts).
 *
 * - Per transaction: row events are collected into tags and invalidated once, on the commit event. A
 *   rolled-back transaction never reaches the binlog, so it invalidates nothing.
 * - TRUNCATE and DDL arrive as query events without rows: they invalidate the whole table (its broad tags
 *   plus every id tag present in Redis, see change-tags.ts).
 * - Position: after a transaction is applied, its end position (binlog file + offset) is saved in Redis
 *   (PositionStore); a restart resumes there, so changes made while the worker was down are still applied.
 *   With no saved position it starts at the current end of the binlog. Delivery is at least once: a
 *   transaction may be applied twice after a failure, never skipped.
 * - Supervision: zongji neither reconnects nor survives an error without a listener. Any error (connection
 *   lost, server restart, Redis unusable while applying) stops the stream and reconnects from the saved
 *   position with capped exponential backoff. A saved position the server no longer has (binlog purged)
 *   makes the worker invalidate the four tables wholesale and start again from the end.
 *
 * The MySQL user needs REPLICATION SLAVE and REPLICATION CLIENT (BINLOG MONITOR on MariaDB >= 10.5) on *.*
 * to read the binlog and SHOW MASTER STATUS, and SELECT on the database, which zongji uses to read column
 * names from INFORMATION_SCHEMA when the server does not log them (binlog_row_metadata other than FULL):
 *   CREATE USER 'coffee_cdc'@'%' IDENTIFIED BY '...';
 *   GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'coffee_cdc'@'%';
 *   GRANT SELECT ON coffee_shop.* TO 'coffee_cdc'@'%';
 */
import ZongJi, {
  type AnyBinlogEvent,
  type BinlogEventByName,
  type BinlogEventName,
  type RowsEvent,
} from "@vlasky/zongji";
import type { RedisClient } from "../cache/redis.js";
import type { Logger } from "pino";
import type { TaggedCache } from "../cache/cache.js";
import type { UserCache, UserPart } from "../cache/user-cache.js";
import { whenReady } from "../cache/redis.js";
import type { DatabaseConfig } from "../config.js";
import type { GtidPosition } from "../db/gtid.js";
import type { ConsistencyScope, ReadConsistency } from "../db/read-consistency.js";
import { cdcMetrics } from "./cdc-metrics.js";
import { binlogEnd } from "./binlog-end.js";
import {
  CATALOGUE_TABLES,
  type CatalogueTable,
  isCatalogueTable,
  isUserTable,
  type RowImage,
  USER_TABLES,
  usersOfRowChange,
  tagsForRowChange,
  tagsForTableChange,
} from "./change-tags.js";
import type { BinlogPosition, PositionStore } from "./position-store.js";
import type { OrderHint } from "../subscriptions/order-events.js";
import { tablesNamedBy, transactionControl } from "./statement-tables.js";

export interface BinlogWorkerOptions {
  db: DatabaseConfig;
  /** Replication server id of this listener: unique among the server's replicas, never the server's own. */
  serverId: number;
  redis: RedisClient;
  cache: TaggedCache;
  /** Stamps per-user data anew; only `touch` is used. */
  users: UserCache;
  /**
   * Tells the API replicas that orders changed (live updates, src/subscriptions/order-events.ts); false when
   * Redis did not take it (the transaction is then applied again, like a failed invalidation).
   */
  orderEvents?: (hints: OrderHint[]) => Promise<boolean>;
  positions: PositionStore;
  /**
   * Read-your-writes over MySQL read replicas: each change's GTID is recorded for the catalogue and the users
   * it touched before their caches are invalidated (src/db/read-consistency.ts).
   */
  consistency?: ReadConsistency;
  /** The followed server is a replica: its binlog must carry the replicated changes (log_slave_updates). */
  checkLogSlaveUpdates?: boolean;
  logger: Logger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface WorkerStatus {
  /** True while the server streams the binlog to the worker. */
  following: boolean;
  /** The binlog connection's thread id on the server (its row in the processlist). */
  threadId: number | undefined;
  /** Every change before this position has been applied to the cache. */
  position: BinlogPosition | undefined;
}

/** What one transaction changed, collected between its first event and its commit. */
interface Changes {
  tags: Set<string>;
  /** Tables changed as a whole (TRUNCATE, DDL, unreadable row images). */
  tables: Set<CatalogueTable>;
  /** Users whose per-user data changed, with the parts that did. */
  users: Map<number, Set<UserPart>>;
  /** Orders changed (inserted or updated), by order number. */
  orders: Map<string, OrderHint>;
  /** The transaction's GTID (MariaDB's GTID event), as a position. */
  gtid: GtidPosition;
}

interface Commit extends Changes {
  /** Where the binlog continues after the transaction: the resume point once it is applied. */
  position: BinlogPosition;
  timestampMs: number;
}

// Row events need their table map events; query, xid and MariaDB's GTID events delimit transactions; every
// dump starts with a rotate event, which tells that the server accepted the position.
const EVENTS: BinlogEventName[] = [
  "rotate",
  "mariadbgtid",
  "query",
  "tablemap",
  "writerows",
  "updaterows",
  "deleterows",
  "xid",
];
// A stream that followed this long before failing was healthy: the backoff starts over.
const STABLE_MS = 10_000;
// Positions of transactions that changed nothing cached are saved at most this often (an idle catalogue on a
// busy server must not leave the saved position in a binlog file the server may purge).
const IDLE_SAVE_INTERVAL_MS = 1_000;
const ER_SOURCE_FATAL_ERROR_READING_BINLOG = 1236;

const is = <N extends BinlogEventName>(event: AnyBinlogEvent, name: N): event is BinlogEventByName<N> =>
  event.getEventName() === name;

const noChanges = (): Changes => ({
  tags: new Set(),
  tables: new Set(),
  users: new Map(),
  orders: new Map(),
  gtid: new Map(),
});

export class BinlogWorker {
  private stream: ZongJi | undefined;
  private following = false;
  private followingSince = 0;
  private stopping = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Set when the server refused the saved position: the next connection starts afresh at the end. */
  private positionLost = false;

  private changes = noChanges();
  private inTransaction = false;
  /** Commits are applied one after the other, in binlog order, so saved positions only move forward. */
  private applying: Promise<void> = Promise.resolve();
  private applied: BinlogPosition | undefined;
  private saved: BinlogPosition | undefined;
  private savedAt = 0;

  constructor(private readonly options: BinlogWorkerOptions) {}

  start(): void {
    void this.connect();
  }

  status(): WorkerStatus {
    return {
      following: this.following,
      threadId: this.stream?.connection?.threadId,
      position: this.applied,
    };
  }

  /** Applies the commits already received, closes the stream and saves the position. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    this.stream?.removeAllListeners("binlog");
    await this.applying;
    await this.teardown();
    if (this.applied && this.applied !== this.saved) {
      await this.save(this.applied).catch((err: unknown) =>
        this.options.logger.warn({ err }, "could not save the binlog position on shutdown"),
      );
    }
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    try {
      // Commits of a failed stream finish (or are dropped) before the saved position is read again.
      await this.applying;
      await whenReady(this.options.redis, 5_000);
      const from = await this.startingPosition();
      if (!this.stopping) this.follow(from);
    } catch (err) {
      this.fail(undefined, err);
    }
  }

  private async startingPosition(): Promise<BinlogPosition> {
    const stored = this.positionLost ? undefined : await this.options.positions.load();
    if (stored) {
      this.applied = this.saved = stored;
      return stored;
    }
    const end = await binlogEnd(this.options.db, this.options.checkLogSlaveUpdates);
    if (this.positionLost) {
      // What changed between the lost position and now is unknowable: anything cached may be stale.
      await this.invalidate(await this.tableWideTags(new Set(CATALOGUE_TABLES)));
      this.options.logger.warn({ position: end }, "binlog position lost: invalidated every catalogue table");
      this.positionLost = false;
    }
    await this.save(end);
    this.applied = end;
    return end;
  }

  private follow(from: BinlogPosition): void {
    const { db, serverId, logger } = this.options;
    const stream = new ZongJi({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      // The binlog connection idles while nothing changes, and zongji sends no heartbeat request: TCP keep-alive
      // probes (from 10 s of idleness instead of the kernel's 2 h) notice a peer that vanished silently.
      keepAliveInitialDelay: 10_000,
    });
    this.stream = stream;
    stream.on("error", (err) => this.fail(stream, err));
    stream.on("binlog", (event) => this.onEvent(stream, event));
    logger.info({ from, serverId }, "connecting to the binlog");
    stream.start({
      serverId,
      filename: from.file,
      position: from.position,
      includeEvents: EVENTS,
      includeSchema: { [db.database]: [...CATALOGUE_TABLES, ...Object.keys(USER_TABLES)] },
    });
  }

  /** Stops `stream` after an error (ignored for streams already replaced) and schedules a reconnect. */
  private fail(stream: ZongJi | undefined, err: unknown): void {
    if (stream !== this.stream) return;
    if (this.following && Date.now() - this.followingSince >= STABLE_MS) this.attempt = 0;
    void this.teardown();
    if (this.stopping) return;
    if ((err as { errno?: number }).errno === ER_SOURCE_FATAL_ERROR_READING_BINLOG) this.positionLost = true;
    const { minBackoffMs = 250, maxBackoffMs = 15_000 } = this.options;
    const delay = Math.min(minBackoffMs * 2 ** this.attempt, maxBackoffMs);
    this.attempt += 1;
    this.options.logger.warn(
      { err, retryInMs: delay, attempt: this.attempt, positionLost: this.positionLost },
      "binlog stream failed; reconnecting from the saved position",
    );
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  /** Drops the stream and its open transaction (replayed from the saved position on reconnect). */
  private teardown(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    this.following = false;
    cdcMetrics.connected.set(0);
    this.changes = noChanges();
    this.inTransaction = false;
    if (!stream) return Promise.resolve();
    return new Promise((resolve) => {
      stream.once("stopped", resolve);
      stream.stop();
    });
  }

  private onEvent(stream: ZongJi, event: AnyBinlogEvent): void {
    if (is(event, "rotate")) {
      if (!this.following) {
        this.following = true;
        this.followingSince = Date.now();
        cdcMetrics.connected.set(1);
        this.options.logger.info({ threadId: stream.connection?.threadId }, "following the binlog");
      }
    } else if (is(event, "mariadbgtid")) {
      // A standalone group (DDL) has no commit event: its single statement commits it.
      this.inTransaction = !event.standalone;
      this.changes.gtid = new Map([[event.domainId, BigInt(event.seqNo)]]);
    } else if (is(event, "writerows") || is(event, "deleterows")) {
      this.onRows(
        event,
        event.rows.map((row) => [row]),
      );
    } else if (is(event, "updaterows")) {
      this.onRows(
        event,
        event.rows.map(({ before, after }) => [before, after]),
      );
    } else if (is(event, "xid")) {
      this.commit(stream, event.timestamp);
    } else if (is(event, "query")) {
      this.onStatement(stream, event);
    }
  }

  private onRows(event: RowsEvent, rows: RowImage[][]): void {
    const table = event.tableMap[event.tableId];
    if (table?.parentSchema !== this.options.db.database) return;
    if (isUserTable(table.tableName)) return this.onUserRows(table.tableName, rows);
    if (!isCatalogueTable(table.tableName)) return;
    const name = table.tableName;
    cdcMetrics.events.inc({ table: name });
    for (const images of rows) {
      const tags = tagsForRowChange(name, images);
      if (tags) {
        for (const tag of tags) this.changes.tags.add(tag);
      } else {
        this.options.logger.warn(
          { table: name },
          "row image lacks the key columns (binlog_row_image not FULL?)",
        );
        this.changes.tables.add(name);
      }
    }
  }

  private onUserRows(table: keyof typeof USER_TABLES, rows: RowImage[][]): void {
    cdcMetrics.events.inc({ table });
    const { part } = USER_TABLES[table];
    for (const userId of rows.flatMap((images) => usersOfRowChange(table, images))) {
      const parts = this.changes.users.get(userId) ?? new Set();
      parts.add(part);
      this.changes.users.set(userId, parts);
    }
    if (table === "orders") {
      for (const images of rows) {
        // The last image is the row as it is now (after an update; the deleted row of a delete).
        const image = images[images.length - 1]!;
        const { order_no: orderNo, user_id: userId, status, updated_at: updatedAt, note, total } = image;
        if (typeof orderNo !== "string" || !Number.isSafeInteger(userId)) continue;
        const hint: OrderHint = { orderNo, userId: userId as number };
        if (typeof status === "string" && updatedAt instanceof Date && typeof note === "string") {
          // zongji builds DATETIME values in local time from the stored (UTC) fields: read them back as UTC.
          const updatedAtMs = Date.UTC(
            updatedAt.getFullYear(),
            updatedAt.getMonth(),
            updatedAt.getDate(),
            updatedAt.getHours(),
            updatedAt.getMinutes(),
            updatedAt.getSeconds(),
            updatedAt.getMilliseconds(),
          );
          hint.row = { status, updatedAtMs, note, total: String(total) };
        }
        // One event per order per transaction: its state at the commit.
        this.changes.orders.set(orderNo, hint);
      }
    }
  }

  private onStatement(stream: ZongJi, event: BinlogEventByName<"query">): void {
    const control = transactionControl(event.query);
    if (control === "begin") {
      this.inTransaction = true;
      return;
    }
    if (control === undefined) {
      const tables = tablesNamedBy(event.query, event.schema, this.options.db.database);
      if (tables.length > 0) {
        this.options.logger.info(
          { tables, statement: event.query.slice(0, 200) },
          "statement changes whole tables: invalidating all their cached entries",
        );
        for (const table of tables) this.changes.tables.add(table);
      }
    }
    if (control === "end" || !this.inTransaction) this.commit(stream, event.timestamp);
  }

  private commit(stream: ZongJi, timestampMs: number): void {
    const commit: Commit = {
      ...this.changes,
      // zongji moves options.filename/position to the end of each commit event before delivering it.
      position: { file: stream.options.filename!, position: stream.options.position! },
      timestampMs,
    };
    this.changes = noChanges();
    this.inTransaction = false;
    this.applying = this.applying
      .then(() => this.apply(stream, commit))
      .catch((err: unknown) => this.fail(stream, err));
  }

  private async apply(stream: ZongJi, commit: Commit): Promise<void> {
    // Commits queued behind a failure are left to the replay from the saved position.
    if (stream !== this.stream) return;
    const changed = commit.tags.size > 0 || commit.tables.size > 0 || commit.users.size > 0;
    if (changed && this.options.consistency) {
      const scopes: ConsistencyScope[] = [...commit.users.keys()].map((user) => ({ user }));
      if (commit.tags.size > 0 || commit.tables.size > 0) scopes.push("catalog");
      await this.options.consistency.record(commit.gtid, scopes);
    }
    if (commit.tags.size > 0 || commit.tables.size > 0) {
      const tags = [...commit.tags, ...(await this.tableWideTags(commit.tables))];
      await this.invalidate(tags);
      this.options.logger.debug({ tags, position: commit.position }, "invalidated");
    }
    for (const [userId, parts] of commit.users) {
      if (!(await this.options.users.touch(userId, [...parts]))) {
        throw new Error("redis unavailable: per-user stamps not written");
      }
    }
    if (commit.orders.size > 0 && this.options.orderEvents) {
      if (!(await this.options.orderEvents([...commit.orders.values()]))) {
        throw new Error("redis unavailable: order events not published");
      }
    }
    // Binlog timestamps have whole seconds: while the worker keeps up, the lag reads between 0 and 1 s.
    cdcMetrics.lag.set(Math.max(0, (Date.now() - commit.timestampMs) / 1_000));
    cdcMetrics.lastEventTimestamp.set(commit.timestampMs / 1_000);
    this.applied = commit.position;
    if (changed || Date.now() - this.savedAt >= IDLE_SAVE_INTERVAL_MS) await this.save(commit.position);
  }

  private async tableWideTags(tables: Set<CatalogueTable>): Promise<string[]> {
    const wide = [...tables].map(tagsForTableChange);
    const idTags = await this.options.cache.cachedTags(wide.flatMap((w) => w.idTagPrefixes));
    return [...wide.flatMap((w) => w.tags), ...idTags];
  }

  private async invalidate(tags: string[]): Promise<void> {
    // Failing here keeps the position before this transaction, so it is applied again once Redis is back.
    if ((await this.options.cache.invalidate(tags, "cdc")) === null) {
      throw new Error("redis unavailable: invalidation not applied");
    }
  }

  private async save(position: BinlogPosition): Promise<void> {
    await this.options.positions.save(position);
    this.saved = position;
    this.savedAt = Date.now();
  }
}
