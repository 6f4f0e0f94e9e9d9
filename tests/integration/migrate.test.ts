import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_MIGRATIONS_DIR, MigrationError, migrate, readMigrations } from "../../src/db/migrate.js";
import { scratchDatabaseName, sqlConnection, testConfig } from "../helpers/env.js";

const tempDirs: string[] = [];
afterAll(() => Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true }))));

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "coffee-migrations-"));
  tempDirs.push(dir);
  await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

function dbConfig(label: string) {
  const db = testConfig().db;
  return { ...db, database: scratchDatabaseName(label) };
}

async function migrationRows(database: string) {
  const conn = await sqlConnection(database);
  try {
    return await conn.query(
      "SELECT migration_name, checksum, started_at, finished_at, applied_steps_count, rolled_back_at, logs FROM _prisma_migrations ORDER BY migration_name",
    );
  } finally {
    await conn.end();
  }
}

describe("migration runner", () => {
  it("creates a missing database, applies every migration and records it as Prisma does", async () => {
    const db = dbConfig("fresh");
    const files = await readMigrations();
    const result = await migrate(db);
    expect(result.applied).toEqual(files.map((f) => f.name));

    const rows = await migrationRows(db.database);
    expect(rows).toHaveLength(files.length);
    for (const [i, row] of rows.entries()) {
      const sql = await readFile(path.join(DEFAULT_MIGRATIONS_DIR, files[i].name, "migration.sql"));
      expect(row.migration_name).toBe(files[i].name);
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.applied_steps_count).toBe(1);
      expect(row.rolled_back_at).toBeNull();
    }

    const again = await migrate(db);
    expect(again).toEqual({ applied: [], alreadyApplied: files.map((f) => f.name) });
    expect(await migrationRows(db.database)).toEqual(rows);
  });

  it("refuses when an applied migration's file was edited", async () => {
    const db = dbConfig("edited");
    const dir = await copyOfMigrations();
    await migrate(db, { migrationsDir: dir });
    const [first] = await readMigrations(dir);
    await writeFile(path.join(dir, first.name, "migration.sql"), first.sql + "\n-- edited\n");

    const error = await migrate(db, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toContain(`Migration ${first.name} was modified after it was applied`);
  });

  it("applies a new migration once and refuses to go on after a failed one", async () => {
    const db = dbConfig("failed");
    const dir = await copyOfMigrations();
    await migrate(db, { migrationsDir: dir });

    await cp(path.join(dir, (await readMigrations(dir))[0].name), path.join(dir, "29990101000000_broken"), {
      recursive: true,
    });
    await writeFile(
      path.join(dir, "29990101000000_broken", "migration.sql"),
      "CREATE TABLE broken (id INT);\nSELEC oops;",
    );
    const failure = await migrate(db, { migrationsDir: dir }).catch((e: unknown) => e);
    expect((failure as Error).message).toMatch(/Migration 29990101000000_broken failed: .*SQL syntax/);

    const rows = await migrationRows(db.database);
    const broken = rows.find((r: { migration_name: string }) => r.migration_name === "29990101000000_broken");
    expect(broken.finished_at).toBeNull();
    expect(broken.logs).toMatch(/SQL syntax/);

    const refused = await migrate(db, { migrationsDir: dir }).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(
      /29990101000000_broken failed earlier and was left half-applied/,
    );
  });

  it("applies each migration exactly once when several runners start together", async () => {
    const db = dbConfig("concurrent");
    const files = await readMigrations();
    const results = await Promise.all(Array.from({ length: 6 }, () => migrate(db)));

    const appliedCounts = files.map((f) => results.filter((r) => r.applied.includes(f.name)).length);
    expect(appliedCounts).toEqual(files.map(() => 1));
    expect(await migrationRows(db.database)).toHaveLength(files.length);
  });
});
