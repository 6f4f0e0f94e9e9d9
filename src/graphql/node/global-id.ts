/**
 * Relay global ids: base64url of "<Type>:<key>", opaque to clients and unique across types, so a normalized
 * client cache (Apollo InMemoryCache, Relay) keys every object by `id` alone. The key is the object's stable
 * identity: the database id for catalogue rows, users and cart items, the owner's user id for a cart, the
 * order number for an order (database ids of orders would reveal the shop's volume), the order number and
 * position for an order item. Decoding is strict: anything that is not exactly what `globalId` makes is
 * BAD_USER_INPUT, never a lookup.
 */
import { InvalidInputError } from "../../errors.js";
import { OPTION_KINDS } from "../../catalog/catalog.service.js";
import type { OptionKind } from "../../generated/prisma/enums.js";

/** Ids per `nodes` call: a client refreshing what it shows, not a bulk export. */
export const MAX_NODES = 100;

export const NODE_TYPES = [
  "Category",
  "Product",
  "ProductOption",
  "OptionChoice",
  "Promotion",
  "User",
  "Cart",
  "CartItem",
  "Order",
  "OrderItem",
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** Positive database ids, as MySQL INT holds them, without leading zeros. */
const DB_ID = "[1-9][0-9]{0,9}";
const ORDER_NO = "[A-Za-z0-9-]{1,32}";
const KEY_SHAPES: Record<NodeType, RegExp> = {
  Category: new RegExp(`^${DB_ID}$`),
  Product: new RegExp(`^${DB_ID}$`),
  ProductOption: new RegExp(`^${DB_ID}:(${OPTION_KINDS.join("|")})$`),
  OptionChoice: new RegExp(`^${DB_ID}:${DB_ID}$`),
  Promotion: new RegExp(`^${DB_ID}$`),
  User: new RegExp(`^${DB_ID}$`),
  Cart: new RegExp(`^${DB_ID}$`),
  CartItem: new RegExp(`^${DB_ID}$`),
  Order: new RegExp(`^${ORDER_NO}$`),
  OrderItem: new RegExp(`^${ORDER_NO}:${DB_ID}$`),
};
const MAX_DB_ID = 2 ** 31 - 1;
/** Longer than any id this module makes: refused before decoding. */
const MAX_LENGTH = 96;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function globalId(type: NodeType, key: string | number): string {
  return Buffer.from(`${type}:${key}`, "utf8").toString("base64url");
}

export interface DecodedId {
  type: NodeType;
  /** The key after "<Type>:", in the shape KEY_SHAPES gives for the type. */
  key: string;
}

function malformed(field: string): InvalidInputError {
  return new InvalidInputError(field, `${field} is not an id this API made: pass an object's id field as is`);
}

/** The type and key of a global id, or BAD_USER_INPUT naming `field`. */
export function decodeGlobalId(id: string, field = "id"): DecodedId {
  if (id.length > MAX_LENGTH || !BASE64URL.test(id)) throw malformed(field);
  const text = Buffer.from(id, "base64url").toString("utf8");
  // Only the canonical encoding: no padding tricks, no other spelling of the same bytes.
  if (Buffer.from(text, "utf8").toString("base64url") !== id) throw malformed(field);
  const colon = text.indexOf(":");
  const type = text.slice(0, colon) as NodeType;
  const key = text.slice(colon + 1);
  if (colon < 1 || !NODE_TYPES.includes(type) || !KEY_SHAPES[type].test(key)) throw malformed(field);
  if (key.split(":").some((part) => /^[0-9]+$/.test(part) && Number(part) > MAX_DB_ID))
    throw malformed(field);
  return { type, key };
}

/**
 * The database id an id argument names: the global id of an object of `type`, or (still accepted, for
 * clients written before global ids) the plain decimal database id. Anything else is BAD_USER_INPUT.
 */
export function databaseIdOf(id: string, type: NodeType, field: string): number {
  if (new RegExp(`^${DB_ID}$`).test(id) && Number(id) <= MAX_DB_ID) return Number(id);
  const decoded = decodeGlobalId(id, field);
  if (decoded.type !== type) {
    throw new InvalidInputError(field, `${field} must be the id of a ${type}, not of a ${decoded.type}`);
  }
  return Number(decoded.key);
}

/** The parts of a composite key ("12:MILK" -> ["12", "MILK"]). */
export function keyParts(key: string): string[] {
  return key.split(":");
}

export function isOptionKind(value: string): value is OptionKind {
  return (OPTION_KINDS as readonly string[]).includes(value);
}
