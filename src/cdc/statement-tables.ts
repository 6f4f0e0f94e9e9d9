/**
 * Which catalogue tables a statement logged as a query event may have changed. In a ROW binlog those are
 * TRUNCATE and DDL (ALTER, DROP, RENAME, CREATE ... ): row changes of their own are never logged. The
 * statement is not parsed: any identifier naming a catalogue table of the followed database counts, so a
 * mention that changes nothing (a foreign key of another table, a quoted word) costs a needless
 * invalidation, never a missed one.
 */
import { CATALOGUE_TABLES, type CatalogueTable, isCatalogueTable } from "./change-tags.js";

// An optionally qualified identifier, each part bare or in backticks (`` doubles a backtick inside them).
const PART = "(?:`((?:[^`]|``)+)`|([A-Za-z0-9_$]+))";
const QUALIFIED_NAME = new RegExp(`(?:${PART}\\s*\\.\\s*)?${PART}`, "g");
const DROP_DATABASE =
  /^\s*DROP\s+(?:DATABASE|SCHEMA)\s+(?:IF\s+EXISTS\s+)?(?:`((?:[^`]|``)+)`|([A-Za-z0-9_$]+))/i;

const unquote = (quoted: string | undefined, bare: string | undefined) =>
  quoted?.replaceAll("``", "`") ?? bare;

/**
 * The catalogue tables of `database` named by `statement`, run with `defaultSchema` as the session's current
 * database (the query event's schema, used for unqualified names).
 */
export function tablesNamedBy(statement: string, defaultSchema: string, database: string): CatalogueTable[] {
  const dropped = DROP_DATABASE.exec(statement);
  if (dropped) return unquote(dropped[1], dropped[2]) === database ? [...CATALOGUE_TABLES] : [];

  const tables = new Set<CatalogueTable>();
  for (const m of statement.matchAll(QUALIFIED_NAME)) {
    const schema = unquote(m[1], m[2]) ?? defaultSchema;
    const table = unquote(m[3], m[4]);
    if (schema === database && table !== undefined && isCatalogueTable(table)) tables.add(table);
  }
  return [...tables];
}

/**
 * Statements that open or close a transaction rather than change anything themselves (the exact words the
 * server logs; "ROLLBACK TO <savepoint>" ends nothing).
 */
export function transactionControl(statement: string): "begin" | "end" | undefined {
  const word = statement.trim().toUpperCase();
  if (word === "BEGIN") return "begin";
  if (word === "COMMIT" || word === "ROLLBACK") return "end";
  return undefined;
}
