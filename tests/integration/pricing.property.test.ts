import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AddToCartDocument,
  CreateProductDocument,
  MyCartDocument,
  MyOrdersDocument,
  PlaceOrderDocument,
  SetProductOptionDocument,
} from "../generated/graphql.js";
import { createScratchApp, type TestApp, userToken } from "../helpers/app.js";
import { gql } from "../helpers/graphql.js";

// Random products, options, choices and quantities through the real API and MySQL: what the cart shows, what
// checkout charges, what MySQL stores and what the order history shows later agree to the cent with plain
// integer arithmetic. Few runs (each is a dozen requests); the pure rules get many more in tests/unit/.
let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await createScratchApp("pricingprop");
  admin = await userToken(t, "ADMIN");
});
afterAll(() => t.close());

const KINDS = ["TEMPERATURE", "SUGAR", "MILK", "CREAM"] as const;
const MAX_CENTS = 1_000_000;
const money = (c: number) =>
  `${c < 0 ? "-" : ""}${Math.floor(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, "0")}`;

const productSpec = fc.record({
  price: fc.integer({ min: 0, max: 20_000 }),
  groups: fc.uniqueArray(
    fc.record({
      kind: fc.constantFrom(...KINDS),
      deltas: fc.uniqueArray(fc.integer({ min: -3_000, max: 3_000 }), { minLength: 1, maxLength: 3 }),
    }),
    { selector: (g) => g.kind, maxLength: 3 },
  ),
});
const lineSpec = fc.record({
  product: productSpec,
  picks: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
  quantity: fc.integer({ min: 1, max: 99 }),
});

let n = 0;

describe("pricing through the API and MySQL (property-based)", () => {
  it("cart, checkout, stored order and order history agree with integer arithmetic", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(lineSpec, { minLength: 1, maxLength: 4 }), async (lines) => {
        const token = await userToken(t);
        let expected = 0;
        let added = 0;
        for (const { product, picks, quantity } of lines) {
          const pid = `prop_${process.pid}_${++n}`;
          const created = await gql(
            t.app,
            CreateProductDocument,
            { input: { pid, categoryType: "latte", name: `Prop ${n}`, price: money(product.price) } },
            admin,
          );
          expect(created.errors).toBeUndefined();
          let legal = true;
          const offered = (kinds: typeof product.groups) =>
            kinds
              .reduce((acc, g) => acc.flatMap((s) => g.deltas.map((d) => s + d)), [product.price])
              .every((c) => c >= 0 && c <= MAX_CENTS);
          const accepted: typeof product.groups = [];
          for (const group of product.groups) {
            const set = await gql(
              t.app,
              SetProductOptionDocument,
              {
                input: {
                  pid,
                  kind: group.kind,
                  label: group.kind,
                  choices: group.deltas.map((d, i) => ({ value: `v${i}`, priceDelta: money(d) })),
                },
              },
              admin,
            );
            // The admin check refuses exactly the option sets that would offer a negative combination.
            legal = offered([...accepted, group]);
            if (legal) {
              expect(set.errors).toBeUndefined();
              accepted.push(group);
            } else {
              expect(set.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT" });
            }
          }
          const selections = accepted.map((g, k) => ({
            kind: g.kind,
            value: `v${picks[k] % g.deltas.length}`,
          }));
          const unit = accepted.reduce((s, g, k) => s + g.deltas[picks[k] % g.deltas.length], product.price);
          const result = await gql(
            t.app,
            AddToCartDocument,
            { input: { pid, quantity, options: selections } },
            token,
          );
          expect(result.errors).toBeUndefined();
          const item = result.data!.addToCart.items.find((i) => i.product.pid === pid)!;
          expect([item.unitPrice, item.lineTotal]).toEqual([money(unit), money(unit * quantity)]);
          expected += unit * quantity;
          added++;
        }
        const cart = (await gql(t.app, MyCartDocument, {}, token)).data!.me!.cart;
        expect([cart.total, cart.items.length]).toEqual([money(expected), added]);
        expect(cart.items.every((i) => i.isAvailable)).toBe(true);

        const placed = await gql(
          t.app,
          PlaceOrderDocument,
          { input: { idempotencyKey: `prop-${process.pid}-${n}-${Date.now()}` } },
          token,
        );
        expect(placed.errors).toBeUndefined();
        const order = placed.data!.placeOrder.order;
        expect(order.total).toBe(money(expected));
        expect(order.items.map((i) => [i.unitPrice, i.lineTotal])).toEqual(
          cart.items.map((i) => [i.unitPrice, i.lineTotal]),
        );

        const history = (await gql(t.app, MyOrdersDocument, { first: 1 }, token)).data!.myOrders.edges[0]
          .node;
        expect(history).toEqual(order);
        const stored = await t.db.prisma.order.findUniqueOrThrow({
          where: { orderNo: order.orderNo },
          include: { items: true },
        });
        expect(stored.total.toFixed(2)).toBe(money(expected));
        expect(stored.items.reduce((s, i) => s + i.lineTotal.times(100).toNumber(), 0)).toBe(expected);
        for (const i of stored.items) expect(i.lineTotal.equals(i.unitPrice.times(i.quantity))).toBe(true);
      }),
      { numRuns: 8 },
    );
  });
});
