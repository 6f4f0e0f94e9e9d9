import { describe, expect, it, vi } from "vitest";
import { Prisma } from "../../src/generated/prisma/client.js";
import type { OrderView } from "../../src/orders/orders.service.js";
import { OrderStream, type StreamOptions } from "../../src/subscriptions/order-events.js";
import {
  compareVersions,
  reviveOrder,
  serializeOrder,
  versionOf,
} from "../../src/subscriptions/order-wire.js";

function order(overrides: Partial<OrderView> = {}): OrderView {
  return {
    id: 1,
    orderNo: "C261201-AAAAAA",
    userId: 7,
    status: "PLACED",
    total: new Prisma.Decimal("28.00"),
    note: "",
    idempotencyKey: "key-12345",
    createdAt: new Date("2026-12-01T10:00:00.000Z"),
    updatedAt: new Date("2026-12-01T10:00:00.000Z"),
    priceChanged: false,
    items: [
      {
        id: 3,
        orderId: 1,
        productId: 5,
        pid: "latte001",
        name: "Brown Sugar Latte",
        options: [{ kind: "SIZE", label: "Size", value: "Grande", priceDelta: new Prisma.Decimal("3.00") }],
        basePrice: new Prisma.Decimal("25.00"),
        unitPrice: new Prisma.Decimal("28.00"),
        cartUnitPrice: new Prisma.Decimal("28.00"),
        quantity: 1,
        lineTotal: new Prisma.Decimal("28.00"),
        priceChanged: false,
      },
    ],
    ...overrides,
  } as OrderView;
}

const at = (iso: string) => new Date(`2026-12-01T${iso}Z`);

function stream(options: Partial<StreamOptions> = {}) {
  const onEnd = vi.fn();
  const s = new OrderStream(
    {
      filter: { kind: "user", userId: 7 },
      snapshot: async () => [],
      maxQueue: 10,
      onOverflow: vi.fn(),
      ...options,
    },
    onEnd,
  );
  return { s, onEnd };
}

async function drain(s: OrderStream, n: number): Promise<OrderView[]> {
  const out: OrderView[] = [];
  for (let i = 0; i < n; i++) out.push((await s.next()).value as OrderView);
  return out;
}

describe("order events on the wire", () => {
  it("round-trips an order with its Decimals and Dates", () => {
    const original = order();
    const revived = reviveOrder(serializeOrder(original));
    expect(revived).toEqual(original);
    expect(Prisma.Decimal.isDecimal(revived.items[0]!.options[0]!.priceDelta)).toBe(true);
    expect(revived.updatedAt).toBeInstanceOf(Date);
  });

  it("orders versions by updatedAt, then by workflow rank", () => {
    const placed = versionOf(order({ updatedAt: at("10:00:00.000") }));
    const preparing = versionOf(order({ status: "PREPARING", updatedAt: at("10:00:00.000") }));
    const later = versionOf(order({ updatedAt: at("10:00:00.001") }));
    expect(compareVersions(placed, preparing)).toBeLessThan(0);
    expect(compareVersions(preparing, later)).toBeLessThan(0);
    expect(compareVersions(later, later)).toBe(0);
  });
});

describe("OrderStream", () => {
  it("keeps each order's events in order: duplicates and older versions are dropped", async () => {
    const { s } = stream();
    s.push(order({ status: "PREPARING", updatedAt: at("10:00:01.000") }));
    s.push(order({ status: "PLACED", updatedAt: at("10:00:00.000") })); // late, older
    s.push(order({ status: "PREPARING", updatedAt: at("10:00:01.000") })); // duplicate
    s.push(order({ orderNo: "C261201-BBBBBB", updatedAt: at("10:00:00.000") })); // another order
    s.push(order({ status: "READY", updatedAt: at("10:00:02.000") }));
    const got = await drain(s, 3);
    expect(got.map((o) => [o.orderNo, o.status])).toEqual([
      ["C261201-AAAAAA", "PREPARING"],
      ["C261201-BBBBBB", "PLACED"],
      ["C261201-AAAAAA", "READY"],
    ]);
  });

  it("knows which versions it already had (a hint of one costs no query)", () => {
    const { s } = stream();
    s.push(order({ status: "PREPARING", updatedAt: at("10:00:01.000") }));
    expect(s.has("C261201-AAAAAA", versionOf(order({ updatedAt: at("10:00:00.500") })))).toBe(true);
    expect(
      s.has("C261201-AAAAAA", versionOf(order({ status: "PREPARING", updatedAt: at("10:00:01.000") }))),
    ).toBe(true);
    expect(
      s.has("C261201-AAAAAA", versionOf(order({ status: "READY", updatedAt: at("10:00:01.000") }))),
    ).toBe(false);
    expect(s.has("C261201-BBBBBB", versionOf(order()))).toBe(false);
  });

  it("filters by user and by order", () => {
    const mine = stream({ filter: { kind: "user", userId: 7 } }).s;
    expect(mine.wants(order())).toBe(true);
    expect(mine.wants(order({ userId: 8 }))).toBe(false);
    const one = stream({ filter: { kind: "order", orderNo: "C261201-AAAAAA", userId: 8 } }).s;
    expect(one.wants(order())).toBe(false);
    const admin = stream({ filter: { kind: "order", orderNo: "C261201-AAAAAA" } }).s;
    expect(admin.wants(order())).toBe(true);
    expect(admin.wants(order({ orderNo: "C261201-BBBBBB" }))).toBe(false);
  });

  it("hands an event to a waiting reader at once", async () => {
    const { s } = stream();
    const next = s.next();
    s.push(order());
    expect((await next).value).toMatchObject({ status: "PLACED" });
  });

  it("ends and reports a slow consumer once its queue is full", async () => {
    const onOverflow = vi.fn();
    const { s, onEnd } = stream({ maxQueue: 2, onOverflow });
    for (let i = 1; i <= 3; i++) s.push(order({ updatedAt: new Date(at("10:00:00.000").getTime() + i) }));
    expect(onOverflow).toHaveBeenCalledOnce();
    expect(onEnd).toHaveBeenCalledOnce();
    expect(await s.next()).toEqual({ value: undefined, done: true });
  });

  it("return() ends the stream and a pending read", async () => {
    const { s, onEnd } = stream();
    const pending = s.next();
    await s.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(onEnd).toHaveBeenCalledOnce();
  });
});
