import { Field, ObjectType } from "type-graphql";

/** Relay page information, shared by every connection (see cursor.ts). */
@ObjectType({ description: "Where a page of a connection is; cursors are opaque strings." })
export class PageInfo {
  @Field({ description: "True when more items follow: ask again with `after: endCursor`." })
  hasNextPage!: boolean;

  @Field({ description: "True when this page was asked for with `after` (items come before it)." })
  hasPreviousPage!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "Cursor of the first item; null when the page is empty.",
  })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Cursor of the last item; null when the page is empty.",
  })
  endCursor!: string | null;
}
