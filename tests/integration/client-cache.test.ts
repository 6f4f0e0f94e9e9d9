/**
 * Apollo Client's normalized cache (InMemoryCache with no type policies, as a front end starts) against the
 * real server: after each mutation, what the cache holds (read with fetchPolicy "cache-only", never the
 * network) is what the server answers at that moment.
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from "@apollo/client";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AddToCartDocument,
  CancelOrderDocument,
  LoginDocument,
  MeDocument,
  MyCartDocument,
  MyOrdersDocument,
  OrderFieldsFragmentDoc,
  PlaceOrderDocument,
  RegisterDocument,
  RemoveCartItemDocument,
  UpdateCartItemDocument,
  UpdateMeDocument,
} from "../generated/graphql.js";
import { createTestApp, type TestApp, userToken } from "../helpers/app.js";
import { gql, rawGql } from "../helpers/graphql.js";

/** A value as the server sends it: Apollo adds __typename to every selection set. */
function withoutTypename(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTypename);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== "__typename")
        .map(([key, v]) => [key, withoutTypename(v)]),
    );
  }
  return value;
}

describe("Apollo Client's InMemoryCache, no type policies", () => {
  let t: TestApp;
  let client: ApolloClient;
  let token = "";

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = t.app.server.address() as { port: number };
    const auth = new ApolloLink((operation, forward) => {
      operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
        headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      }));
      return forward(operation);
    });
    client = new ApolloClient({
      cache: new InMemoryCache(),
      link: ApolloLink.from([auth, new HttpLink({ uri: `http://127.0.0.1:${port}/graphql` })]),
    });
  });
  afterAll(async () => {
    client?.stop();
    await t?.close();
  });

  /** The query answered from the cache only: undefined data means the cache cannot answer it. */
  async function cached<R, V extends Record<string, unknown>>(query: TypedDocumentNode<R, V>, variables?: V) {
    const { data } = await client.query({ query, variables: variables as V, fetchPolicy: "cache-only" });
    expect(data, "the cache answers without the network").toBeDefined();
    return withoutTypename(data);
  }

  /** The same query asked of the server now, past every cache of the client. */
  async function server<R, V>(query: TypedDocumentNode<R, V>, variables?: V) {
    const result = await gql(t.app, query, variables, token);
    expect(result.errors).toBeUndefined();
    return result.data;
  }

  it("stays current through sign-in, cart changes, checkout and cancel", async () => {
    const username = `apollo_${process.pid}`;
    const registered = await client.mutate({
      mutation: RegisterDocument,
      variables: { input: { username, password: "coffee123" } },
    });
    expect(registered.data!.register.user.username).toBe(username);
    const login = await client.mutate({
      mutation: LoginDocument,
      variables: { input: { username, password: "coffee123" } },
    });
    token = login.data!.login.token;
    await client.query({ query: MeDocument, fetchPolicy: "network-only" });

    const updated = await client.mutate({
      mutation: UpdateMeDocument,
      variables: { input: { nickName: "阿波罗" } },
    });
    expect(updated.data!.updateMe.nickName).toBe("阿波罗");
    expect(await cached(MeDocument)).toEqual(await server(MeDocument));

    // The screens a shop app shows: the cart and the order list, each read once from the network.
    const empty = await client.query({ query: MyCartDocument, fetchPolicy: "network-only" });
    expect(empty.data!.me!.cart.items).toEqual([]);
    await client.query({ query: MyOrdersDocument, variables: { first: 10 }, fetchPolicy: "network-only" });

    await client.mutate({
      mutation: AddToCartDocument,
      variables: { input: { pid: "latte001", quantity: 2 } },
    });
    await client.mutate({
      mutation: AddToCartDocument,
      variables: { input: { pid: "coffee001", quantity: 1 } },
    });
    const afterAdd = (await cached(MyCartDocument)) as { me: { cart: { items: { id: string }[] } } };
    expect(afterAdd.me.cart.items).toHaveLength(2);
    expect(afterAdd).toEqual(await server(MyCartDocument));

    const [latte, coffee] = afterAdd.me.cart.items;
    await client.mutate({
      mutation: UpdateCartItemDocument,
      variables: { input: { itemId: latte.id, quantity: 3 } },
    });
    const afterUpdate = (await cached(MyCartDocument)) as {
      me: { cart: { total: string; items: { quantity: number }[] } };
    };
    expect(afterUpdate.me.cart.items.map((i) => i.quantity)).toEqual([3, 1]);
    expect(afterUpdate).toEqual(await server(MyCartDocument));

    await client.mutate({ mutation: RemoveCartItemDocument, variables: { itemId: coffee.id } });
    const afterRemove = (await cached(MyCartDocument)) as { me: { cart: { items: unknown[] } } };
    expect(afterRemove.me.cart.items).toHaveLength(1);
    expect(afterRemove).toEqual(await server(MyCartDocument));

    // A new order joins a list only by a refetch (or cache.modify): normalization updates objects, not lists.
    const placed = await client.mutate({
      mutation: PlaceOrderDocument,
      variables: { input: { idempotencyKey: `apollo-${process.pid}-${Date.now()}` } },
      refetchQueries: [{ query: MyOrdersDocument, variables: { first: 10 } }],
      awaitRefetchQueries: true,
    });
    const order = placed.data!.placeOrder.order;
    expect(order.status).toBe("PLACED");
    const afterCheckout = (await cached(MyCartDocument)) as {
      me: { cart: { items: unknown[]; total: string } };
    };
    expect(afterCheckout.me.cart).toMatchObject({ items: [], total: "0.00" });
    expect(afterCheckout).toEqual(await server(MyCartDocument));
    const orders = (await cached(MyOrdersDocument, { first: 10 })) as {
      myOrders: { edges: { node: { orderNo: string; status: string } }[] };
    };
    expect(orders.myOrders.edges.map((e) => e.node.orderNo)).toEqual([order.orderNo]);

    await client.mutate({ mutation: CancelOrderDocument, variables: { orderNo: order.orderNo } });
    const fragment = client.readFragment({
      id: client.cache.identify({ __typename: "Order", id: order.id }),
      fragment: OrderFieldsFragmentDoc,
      fragmentName: "OrderFields",
    });
    expect(fragment?.status).toBe("CANCELLED");
    // The list read before the cancel shows it too: its entry is the same normalized Order.
    const afterCancel = (await cached(MyOrdersDocument, { first: 10 })) as typeof orders;
    expect(afterCancel.myOrders.edges.map((e) => e.node.status)).toEqual(["CANCELLED"]);
    expect(afterCancel).toEqual(await server(MyOrdersDocument, { first: 10 }));
  });
});

describe("node and nodes", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  interface Ids {
    user: string;
    cart: string;
    cartItem: string;
    order: string;
    orderItem: string;
  }

  /** A customer with an order and one item left in the cart: the ids of everything they own. */
  async function customer(): Promise<{ token: string; ids: Ids }> {
    const token = await userToken(t);
    await gql(t.app, AddToCartDocument, { input: { pid: "latte001", quantity: 1 } }, token);
    const placed = await gql(
      t.app,
      PlaceOrderDocument,
      { input: { idempotencyKey: `node-${process.pid}-${Date.now()}-${Math.random()}`.replace(".", "") } },
      token,
    );
    expect(placed.errors).toBeUndefined();
    const cart = (await gql(t.app, AddToCartDocument, { input: { pid: "coffee001", quantity: 1 } }, token))
      .data!.addToCart;
    const me = (await gql(t.app, MeDocument, {}, token)).data!.me!;
    const { order } = placed.data!.placeOrder;
    return {
      token,
      ids: {
        user: me.id,
        cart: cart.id,
        cartItem: cart.items[0].id,
        order: order.id,
        orderItem: order.items[0].id,
      },
    };
  }

  const NODES = `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id
    ... on Category { type } ... on Product { pid } ... on ProductOption { kind } ... on OptionChoice { value }
    ... on Promotion { description } ... on User { username } ... on Cart { total items { id } }
    ... on CartItem { quantity } ... on Order { orderNo status } ... on OrderItem { pid } } }`;
  const nodes = async (ids: string[], token?: string) => {
    const result = await rawGql<{ nodes: ({ __typename: string; id: string } | null)[] }>(
      t.app,
      { query: NODES, variables: { ids } },
      token,
    );
    expect(result.errors).toBeUndefined();
    return result.data!.nodes;
  };

  it("round-trips the id of every type, unique across types", async () => {
    const menu = await rawGql<{
      categories: {
        id: string;
        products: { id: string; options: { id: string; choices: { id: string }[] }[] }[];
      }[];
      promotions: { id: string }[];
    }>(t.app, {
      query: "{ categories { id products { id options { id choices { id } } } } promotions { id } }",
    });
    const category = menu.data!.categories[0];
    const product = category.products.find((p) => p.options.length > 0)!;
    const alice = await customer();
    const byType: Record<string, string> = {
      Category: category.id,
      Product: product.id,
      ProductOption: product.options[0].id,
      OptionChoice: product.options[0].choices[0].id,
      Promotion: menu.data!.promotions[0].id,
      User: alice.ids.user,
      Cart: alice.ids.cart,
      CartItem: alice.ids.cartItem,
      Order: alice.ids.order,
      OrderItem: alice.ids.orderItem,
    };
    const ids = Object.values(byType);
    expect(new Set(ids).size).toBe(ids.length);
    // Asked four times: the third and later run as compiled (graphql-jit) code, which must agree.
    for (let i = 0; i < 4; i++) {
      const found = await nodes(ids, alice.token);
      expect(found.map((n) => [n?.__typename, n?.id])).toEqual(Object.entries(byType));
    }
    const one = await rawGql<{ node: { __typename: string; orderNo: string } }>(
      t.app,
      {
        query: "query ($id: ID!) { node(id: $id) { __typename ... on Order { orderNo status } } }",
        variables: { id: alice.ids.order },
      },
      alice.token,
    );
    expect(one.data!.node.__typename).toBe("Order");
    expect(Buffer.from(alice.ids.order, "base64url").toString()).toBe(`Order:${one.data!.node.orderNo}`);
  });

  it("answers null for another user's cart, items, orders and account; an admin sees orders, not carts", async () => {
    const [alice, bob] = [await customer(), await customer()];
    const alices = Object.values(alice.ids);
    expect((await nodes(alices, bob.token)).every((n) => n === null)).toBe(true);
    expect((await nodes(alices)).every((n) => n === null)).toBe(true);
    const admin = await userToken(t, "ADMIN");
    expect((await nodes(alices, admin)).map((n) => n?.__typename ?? null)).toEqual([
      null,
      null,
      null,
      "Order",
      "OrderItem",
    ]);
    // Anonymous callers still get the catalogue.
    const latte = (
      await rawGql<{ product: { id: string } }>(t.app, { query: '{ product(pid: "latte001") { id } }' })
    ).data!.product;
    expect(await nodes([latte.id])).toEqual([{ __typename: "Product", id: latte.id, pid: "latte001" }]);
  });

  it("answers null for well-formed ids of nothing, BAD_USER_INPUT for anything else", async () => {
    const id = (text: string) => Buffer.from(text).toString("base64url");
    expect(
      await nodes([
        id("Product:2147483647"),
        id("Order:C000000-NOPE00"),
        id("ProductOption:2147483647:CREAM"),
        id("Cart:999999"),
      ]),
    ).toEqual([null, null, null, null]);
    const token = await userToken(t);
    for (const bad of [
      "latte001",
      id("Product:abc"),
      id("Product:01"),
      id("Product:99999999999"),
      id("Nope:1"),
      id("ProductOption:1:SPICE"),
      `${id("Product:1")}=`,
      "",
    ]) {
      const result = await rawGql(
        t.app,
        { query: "query ($id: ID!) { node(id: $id) { id } }", variables: { id: bad } },
        token,
      );
      expect(
        result.errors?.map((e) => [e.extensions.code, e.extensions.field]),
        bad,
      ).toEqual([["BAD_USER_INPUT", "id"]]);
    }
    const many = await rawGql(t.app, { query: NODES, variables: { ids: [id("Product:1"), "x"] } });
    expect(many.errors?.map((e) => [e.extensions.code, e.extensions.field])).toEqual([
      ["BAD_USER_INPUT", "ids.1"],
    ]);
    const tooMany = await rawGql(t.app, {
      query: NODES,
      variables: { ids: Array(101).fill(id("Product:1")) },
    });
    expect(tooMany.errors?.map((e) => [e.extensions.code, e.extensions.field])).toEqual([
      ["BAD_USER_INPUT", "ids"],
    ]);
  });

  it("never answers node or nodes from a response cache", async () => {
    const token = await userToken(t);
    const me = (await gql(t.app, MeDocument, {}, token)).data!.me!;
    for (let i = 0; i < 3; i++) {
      const response = await t.app.inject({
        method: "POST",
        url: "/graphql",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        payload: JSON.stringify({ query: `{ node(id: "${me.id}") { id } }` }),
      });
      expect(response.json()).toEqual({ data: { node: { id: me.id } } });
      expect(response.headers["x-cache"]).toBeUndefined();
    }
  });
});
