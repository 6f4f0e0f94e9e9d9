import { randomInt } from "node:crypto";

// Crockford's base32 without I, L, O, U: easy to read aloud at the counter, no look-alikes.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * `C<yymmdd>-<6 random characters>`, e.g. C261126-7KQ3XZ: the date helps staff, the 30 random bits make
 * numbers unguessable from one another. A collision is caught by the unique index and retried.
 */
export function newOrderNumber(now = new Date()): string {
  const date = now.toISOString().slice(2, 10).replaceAll("-", "");
  let suffix = "";
  for (let i = 0; i < 6; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `C${date}-${suffix}`;
}
