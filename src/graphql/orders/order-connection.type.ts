import { ObjectType } from "type-graphql";
import { Connection } from "../connection.type.js";
import { Order } from "./order.type.js";

@ObjectType({ description: "Your orders, newest first." })
export class OrderConnection extends Connection(Order, {
  type: "Order",
  item: "order",
  items: "orders",
  edge: "One order in an OrderConnection page.",
  cursor: "Opaque cursor of this order: pass it as `after` to get the (older) orders after it.",
  totalCount: "How many orders you have in all, on every page.",
}) {}
