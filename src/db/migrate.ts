/**
 * Applies prisma/migrations/<name>/migration.sql in order without Prisma's native schema engine (which cannot
 * be downloaded on our machines), recording each in `_prisma_migrations` exactly as `prisma migrate deploy`
 * does, so that `prisma migrate status` on a machine with the engine agrees.
 *
 * Several processes may run this at once (three replicas starting together): a MySQL named lock serialises
 * them and each migration is applied exactly once.
 */
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as mariadb from "mariadb";
import type { DatabaseConfig } from "../config.js";
import { connectionOptions } from "./database.js";

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

// Prisma's own definition of the table (MySQL flavour).
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;

export class MigrationError extends Error {
  override name = "MigrationError";
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function readMigrations(dir = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8").catch(() => {
        throw new MigrationError(`Migration ${name} has no migration.sql file`);
      });
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

function quoteIdentifier(name: string): string {
  return "`" + name.replaceAll("`", "``") + "`";
}

/** The names of the migrations recorded as applied (not rolled back) in the database, or [] if none. */
export async function appliedMigrationNames(conn: mariadb.Connection): Promise<string[]> {
  const rows: MigrationRow[] = await conn
    .query(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    )
    .catch((err: { errno?: number }) => {
      if (err.errno === 1146) return []; // table does not exist yet
      throw err;
    });
  return rows.map((r) => r.migration_name);
}

export interface MigrateOptions {
  migrationsDir?: string;
  lockTimeoutSeconds?: number;
  log?: (message: string) => void;
}

export async function migrate(db: DatabaseConfig, options: MigrateOptions = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const migrations = await readMigrations(options.migrationsDir);
  const conn = await mariadb.createConnection({ ...connectionOptions(db), multipleStatements: true });
  try {
    await conn.query(
      `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(db.database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    await conn.query(`USE ${quoteIdentifier(db.database)}`);

    const lockName = `coffee_migrate:${db.database}`.slice(0, 64);
    const [{ locked }] = await conn.query("SELECT GET_LOCK(?, ?) AS locked", [
      lockName,
      options.lockTimeoutSeconds ?? 120,
    ]);
    if (Number(locked) !== 1) {
      throw new MigrationError(
        `Timed out waiting for the migration lock ${lockName}: another runner holds it`,
      );
    }
    try {
      return await applyPending(conn, migrations, log);
    } finally {
      await conn.query("SELECT RELEASE_LOCK(?)", [lockName]);
    }
  } finally {
    await conn.end();
  }
}

async function applyPending(
  conn: mariadb.Connection,
  migrations: MigrationFile[],
  log: (message: string) => void,
): Promise<MigrateResult> {
  await conn.query(CREATE_MIGRATIONS_TABLE);
  const rows: MigrationRow[] = await conn.query(
    "SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at",
  );
  const known = new Map(migrations.map((m) => [m.name, m]));

  for (const row of rows) {
    if (row.rolled_back_at) continue;
    if (!row.finished_at) {
      throw new MigrationError(
        `Migration ${row.migration_name} failed earlier and was left half-applied. Fix the database by hand, ` +
          `then mark it rolled back (UPDATE _prisma_migrations SET rolled_back_at = NOW(3) ` +
          `WHERE migration_name = '${row.migration_name}') and run the migrations again.`,
      );
    }
    const file = known.get(row.migration_name);
    if (!file) {
      throw new MigrationError(
        `Migration ${row.migration_name} is applied in the database but missing from the migrations folder`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `Migration ${row.migration_name} was modified after it was applied (checksum ${row.checksum} in the ` +
          `database, ${file.checksum} on disk). Restore the original file and put the change in a new migration.`,
      );
    }
  }

  const done = new Set(rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => r.migration_name));
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const m of migrations) {
    if (done.has(m.name)) {
      result.alreadyApplied.push(m.name);
      continue;
    }
    const id = randomUUID();
    await conn.query(
      "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, UTC_TIMESTAMP(3), 0)",
      [id, m.checksum, m.name],
    );
    try {
      await conn.query(m.sql);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await conn.query("UPDATE _prisma_migrations SET logs = ? WHERE id = ?", [message, id]);
      throw new MigrationError(`Migration ${m.name} failed: ${message}`);
    }
    await conn.query(
      "UPDATE _prisma_migrations SET finished_at = UTC_TIMESTAMP(3), applied_steps_count = 1 WHERE id = ?",
      [id],
    );
    log(`applied migration ${m.name}`);
    result.applied.push(m.name);
  }
  return result;
}
