import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as mariadb from "mariadb";
import { type PrismaSchema, parsePrismaSchema, type SchemaField } from "../helpers/prisma-schema.js";
import { sqlConnection, testConfig } from "../helpers/env.js";

interface Column {
  table: string;
  column: string;
  columnType: string;
  nullable: boolean;
}

/** The MariaDB column type each Prisma type may map to (native type attributes narrow it). */
function expectedColumnType(field: SchemaField, schema: PrismaSchema): RegExp {
  if (schema.enums.has(field.type)) {
    return new RegExp(
      `^enum\\(${schema.enums
        .get(field.type)!
        .map((v) => `'${v}'`)
        .join(",")}\\)$`,
    );
  }
  const native = field.nativeType?.replace(/\s+/g, "");
  switch (field.type) {
    case "Int":
      return /^int(\(11\))?$/i;
    case "String":
      return native ? new RegExp(`^${native.replace(/[()]/g, "\\$&")}$`, "i") : /^varchar\(191\)$/i;
    case "Decimal":
      return new RegExp(`^${(native ?? "decimal(65,30)").replace(/[()]/g, "\\$&")}$`, "i");
    case "Boolean":
      return /^tinyint\(1\)$/i;
    case "DateTime":
      return new RegExp(`^${(native ?? "datetime(3)").replace(/[()]/g, "\\$&")}$`, "i");
    default:
      throw new Error(`no mapping for Prisma type ${field.type}`);
  }
}

describe("schema drift: prisma/schema.prisma vs the migrated database", () => {
  const schema = parsePrismaSchema(fileURLToPath(new URL("../../prisma/schema.prisma", import.meta.url)));
  let conn: mariadb.Connection;
  let columns: Column[];
  let indexes: Map<string, { unique: boolean; columns: string[] }[]>;

  beforeAll(async () => {
    const database = testConfig().db.database;
    conn = await sqlConnection(database);
    columns = (
      await conn.query(
        "SELECT table_name AS t, column_name AS c, column_type AS ct, is_nullable AS n FROM information_schema.columns WHERE table_schema = ? AND table_name <> '_prisma_migrations'",
        [database],
      )
    ).map((r: { t: string; c: string; ct: string; n: string }) => ({
      table: r.t,
      column: r.c,
      columnType: r.ct,
      nullable: r.n === "YES",
    }));
    const rows: { t: string; i: string; u: number | bigint; c: string }[] = await conn.query(
      "SELECT table_name AS t, index_name AS i, non_unique AS u, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS c FROM information_schema.statistics WHERE table_schema = ? GROUP BY table_name, index_name, non_unique",
      [database],
    );
    indexes = new Map();
    for (const r of rows) {
      const list = indexes.get(r.t) ?? [];
      list.push({ unique: Number(r.u) === 0, columns: r.c.split(",") });
      indexes.set(r.t, list);
    }
  });
  afterAll(() => conn?.end());

  it("has a table and a column of a compatible type for every model and field", () => {
    for (const model of schema.models) {
      for (const field of model.fields) {
        const column = columns.find((c) => c.table === model.table && c.column === field.column);
        expect(column, `${model.name}.${field.name} -> ${model.table}.${field.column}`).toBeDefined();
        expect(column!.columnType, `${model.name}.${field.name}`).toMatch(expectedColumnType(field, schema));
        expect(column!.nullable, `${model.name}.${field.name} nullability`).toBe(field.optional);
      }
    }
  });

  it("has no column that the schema does not know", () => {
    const known = new Set(schema.models.flatMap((m) => m.fields.map((f) => `${m.table}.${f.column}`)));
    expect(columns.map((c) => `${c.table}.${c.column}`).filter((c) => !known.has(c))).toEqual([]);
    const tables = new Set(schema.models.map((m) => m.table));
    expect([...new Set(columns.map((c) => c.table))].filter((t) => !tables.has(t))).toEqual([]);
  });

  it("has every unique constraint and index the schema declares", () => {
    for (const model of schema.models) {
      const have = indexes.get(model.table) ?? [];
      for (const cols of model.uniques) {
        expect(
          have.some((i) => i.unique && i.columns.join() === cols.join()),
          `${model.table} unique(${cols})`,
        ).toBe(true);
      }
      for (const cols of model.indexes) {
        expect(
          have.some((i) => i.columns.join() === cols.join()),
          `${model.table} index(${cols})`,
        ).toBe(true);
      }
    }
  });

  it("compares usernames case-insensitively", async () => {
    const [{ same }] = await conn.query("SELECT 'Alice' = 'alice' COLLATE utf8mb4_unicode_ci AS same");
    expect(Number(same)).toBe(1);
    const [row] = await conn.query(
      "SELECT collation_name AS c FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'users' AND column_name = 'username'",
    );
    expect(row.c).toMatch(/_ci$/);
  });
});
