import { InvalidInputError } from "../errors.js";

/** Opaque Relay cursors: base64url of "<kind>:<id>". */
export function encodeCursor(kind: string, id: number): string {
  return Buffer.from(`${kind}:${id}`).toString("base64url");
}

export function decodeCursor(kind: string, cursor: string, field = "after"): number {
  const decoded = Buffer.from(cursor, "base64url").toString();
  const id = Number(decoded.slice(kind.length + 1));
  if (!decoded.startsWith(`${kind}:`) || !Number.isSafeInteger(id) || id < 0) {
    throw new InvalidInputError(field, `${field} is not a valid cursor`);
  }
  return id;
}

/** A Relay connection over one page of rows, with cursors of `kind`. */
export function toConnection<T extends { id: number }, N = T>(
  kind: string,
  rows: T[],
  page: { hasNextPage: boolean; after?: string | null },
  node: (row: T) => N = (row) => row as unknown as N,
) {
  const edges = rows.map((row) => ({ cursor: encodeCursor(kind, row.id), node: node(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: Boolean(page.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
