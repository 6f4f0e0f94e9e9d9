/**
 * Which CDC worker follows the binlog: the one holding a MySQL user lock (GET_LOCK) on the primary, on a
 * connection of its own. Any number of workers run; the others wait in GET_LOCK and one of them gets the lock
 * the moment the holder's connection ends:
 * - the holder's process dies (crash, SIGKILL, OOM): its socket closes and the server releases the lock at
 *   once, so a standby takes over within about a second (plus connecting to the binlog);
 * - the holder's host or network vanishes (no FIN): the connection idles with session wait_timeout =
 *   CDC_LEASE_TIMEOUT_SECONDS, so the server ends it after that long; the holder, whose checks every second
 *   fail meanwhile, has stopped following by then.
 * A worker that loses its lease stops following and waits again. The new holder resumes from the saved
 * position (Redis, position-store.ts). Two holders overlapping for a moment is harmless: an invalidation may
 * repeat, and every position either of them saves has all changes before it applied, so none is lost.
 */
import * as mariadb from "mariadb";
import type { Logger } from "pino";
import type { DatabaseConfig } from "../config.js";
import { connectionOptions } from "../db/database.js";
import { cdcMetrics } from "./cdc-metrics.js";
import { withTimeout } from "../shared/timeout.js";

export interface LeaseOptions {
  /** Where the lock lives: the primary, which every worker reaches. */
  db: DatabaseConfig;
  /** The lock's name (at most 64 characters). */
  name: string;
  /** Session wait_timeout of the lease connection (see above). */
  timeoutSeconds: number;
  logger: Logger;
  /** Called once the lease is held; the holder follows the binlog until `onLost`. */
  onAcquired: () => void | Promise<void>;
  /** Called when the lease is lost (or released on stop); resolves once the holder stopped following. */
  onLost: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Lease {
  private stopping = false;
  private conn: mariadb.Connection | undefined;
  private loop: Promise<void> | undefined;
  held = false;
  /** True while the lease connection answers (standby or holder). */
  connected = false;

  constructor(private readonly options: LeaseOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // Ends a GET_LOCK wait or a check; the loop then releases (onLost) and returns.
    this.conn?.destroy();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { db, name, timeoutSeconds, logger } = this.options;
    const checkMs = Math.min(1_000, (timeoutSeconds * 1_000) / 3);
    while (!this.stopping) {
      try {
        this.conn = await mariadb.createConnection({ ...connectionOptions(db), socketTimeout: 0 });
        this.conn.on("error", () => undefined);
        await this.conn.query(`SET SESSION wait_timeout = ${Math.floor(timeoutSeconds)}`);
        this.connected = true;
        logger.info({ lock: name }, "cdc lease: waiting for the lock");
        while (!this.stopping) {
          const [{ got }] = await this.conn.query<{ got: number | bigint | null }[]>(
            "SELECT GET_LOCK(?, 1) AS got",
            [name],
          );
          if (Number(got) === 1) break;
        }
        if (this.stopping) break;
        this.held = true;
        cdcMetrics.leaseHeld.set(1);
        logger.info({ lock: name }, "cdc lease acquired: following the binlog");
        await this.options.onAcquired();
        while (!this.stopping) {
          await sleep(checkMs);
          const [{ mine }] = await withTimeout(
            this.conn.query<{ mine: number | bigint | null }[]>(
              "SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS mine",
              [name],
            ),
            checkMs * 2,
          );
          if (Number(mine) !== 1) throw new Error("the lock is no longer held by this connection");
        }
      } catch (err) {
        if (!this.stopping) logger.warn({ err, lock: name }, "cdc lease connection failed");
      } finally {
        this.connected = false;
        if (this.held) {
          this.held = false;
          cdcMetrics.leaseHeld.set(0);
          logger.warn({ lock: name }, "cdc lease released: stopped following the binlog");
          await this.options
            .onLost()
            .catch((err: unknown) => logger.error({ err }, "stopping the worker failed"));
        }
        this.conn?.destroy();
        this.conn = undefined;
      }
      if (!this.stopping) await sleep(500);
    }
  }
}
