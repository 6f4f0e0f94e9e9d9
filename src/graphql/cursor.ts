import { InvalidInputError } from "../errors.js";

/** Opaque Relay cursors: base64url of "<kind>:<id>". */
export function encodeCursor(kind: string, id: number): string {
  return Buffer.from(`${kind}:${id}`).toString("base64url");
}

/**
 * The id in a cursor of `kind`. Strict: only a cursor this API could have written is accepted (canonical
 * base64url of the kind and a plain decimal id), anything else is BAD_USER_INPUT naming `field`.
 */
export function decodeCursor(kind: string, cursor: string, field = "after"): number {
  const decoded = Buffer.from(cursor, "base64url").toString();
  const match = /^([a-z]+):(0|[1-9]\d{0,15})$/.exec(decoded);
  const id = Number(match?.[2]);
  if (match?.[1] !== kind || !Number.isSafeInteger(id) || encodeCursor(kind, id) !== cursor) {
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
