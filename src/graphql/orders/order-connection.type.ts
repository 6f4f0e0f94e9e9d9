import { Field, Int, ObjectType } from "type-graphql";
import { PageInfo } from "../page-info.type.js";
import { Order } from "./order.type.js";

@ObjectType({ description: "One order in an OrderConnection page." })
export class OrderEdge {
  @Field({
    description: "Opaque cursor of this order: pass it as `after` to get the (older) orders after it.",
  })
  cursor!: string;

  @Field(() => Order, { description: "The order." })
  node!: Order;
}

@ObjectType({ description: "Your orders, newest first." })
export class OrderConnection {
  @Field(() => [OrderEdge], { description: "The orders of this page; empty past the last page." })
  edges!: OrderEdge[];

  @Field(() => Int, { description: "How many orders you have in all, on every page." })
  totalCount!: number;

  @Field(() => PageInfo, { description: "Cursors and whether more pages follow." })
  pageInfo!: PageInfo;
}
