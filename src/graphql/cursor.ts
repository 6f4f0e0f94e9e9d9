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
