/**
 * Order events: raised after a commit on any replica (or seen by the CDC worker in the binlog), delivered to
 * the subscriptions of this replica at once and to every other replica through one Redis pub/sub channel.
 *
 * - A replica publishes the whole order it just committed; the others deliver it as is. The CDC worker, which
 *   has only the row, publishes a hint (order number and user); each replica with a subscriber who may care
 *   loads the order and delivers it.
 * - Per subscriber, events are in order per order: each carries its version (updatedAt, then workflow rank),
 *   and one older than or equal to the last one delivered for that order is dropped. Duplicates (the same
 *   change as a mutation's event and as a CDC hint) therefore cost nothing.
 * - At least once: pub/sub loses what is published while a replica's subscriber connection is down, so when
 *   it is back every stream of the replica loads its current state again (newer versions only get through).
 *   On a Redis Cluster "back" is when a node left the slot map and the subscription answered again.
 *   A client that reconnects to another replica gets the current state first the same way.
 * - Redis down: same-replica delivery goes on; /ready and `order_events_fanout_degraded` say the fan-out is
 *   degraded until publishing and subscribing work again.
 */
import { randomUUID } from "node:crypto";
import { Cluster } from "ioredis";
import type { RedisClient } from "../cache/redis.js";
import { Prisma } from "../generated/prisma/client.js";
import { OrderStatus } from "../generated/prisma/enums.js";
import type { OrderView } from "../orders/orders.service.js";
import { fanoutState, subscriptionMetrics as m } from "./metrics.js";
import {
  compareVersions,
  type OrderVersion,
  RANK,
  reviveOrder,
  serializeOrder,
  versionOf,
} from "./order-wire.js";

/** The channel every replica and the CDC worker of one deployment share (channels take no key prefix). */
export const orderEventsChannel = (keyPrefix: string) => `${keyPrefix}order-events`;

export interface OrderHint {
  orderNo: string;
  userId: number;
  /**
   * The row as this change left it. Items never change after checkout, so a replica loads the order and
   * shows these columns: each change is delivered as it was, even when a later one has committed since.
   */
  row?: { status: string; updatedAtMs: number; note: string; total: string };
}

/** Publishes a hint for orders changed in MySQL (the CDC worker); never throws. */
export async function publishOrderHints(
  redis: RedisClient,
  channel: string,
  hints: OrderHint[],
): Promise<boolean> {
  try {
    for (const hint of hints) await redis.publish(channel, `hint\tcdc\t${JSON.stringify(hint)}`);
    return true;
  } catch {
    return false;
  }
}

/** Which orders a stream gets: one order (of one user unless `userId` is undefined), a user's, or all. */
export type StreamFilter =
  { kind: "order"; orderNo: string; userId?: number } | { kind: "user"; userId: number } | { kind: "shop" };

export interface StreamOptions {
  filter: StreamFilter;
  /** The current state: sent first, and again after the fan-out was interrupted. */
  snapshot: () => Promise<OrderView[]>;
  /** Events queued for a consumer that does not read; one more and the stream overflows. */
  maxQueue: number;
  /** The consumer is too slow (queue full): the caller closes its socket. */
  onOverflow: () => void;
}

export interface OrderEventsOptions {
  redis: RedisClient;
  /** Opens the subscriber connection (createRedis(config, "subscriber"): the same mode as `redis`). */
  connectSubscriber: () => RedisClient;
  channel: string;
  /** Loads an order by number for a CDC hint (any user's). */
  load: (orderNo: string) => Promise<OrderView | null>;
  logger: { warn(obj: object, msg: string): void };
}

/** Orders whose last version one stream remembers. */
const MAX_VERSIONS = 10_000;
/** How long after a failed publish the fan-out still reads as degraded. */
const FAILURE_WINDOW_MS = 10_000;
/** How soon a cluster subscriber tries to subscribe again while no node takes it. */
const RESUBSCRIBE_RETRY_MS = 200;

export class OrderStream implements AsyncIterableIterator<OrderView> {
  private readonly queue: OrderView[] = [];
  private readonly versions = new Map<string, OrderVersion>();
  private waiting: ((result: IteratorResult<OrderView>) => void) | undefined;
  private done = false;

  constructor(
    readonly options: StreamOptions,
    private readonly onEnd: (stream: OrderStream) => void,
  ) {}

  /** Whether this stream already had `version` of the order, or a newer one. */
  has(orderNo: string, version: OrderVersion): boolean {
    const last = this.versions.get(orderNo);
    return last !== undefined && compareVersions(version, last) <= 0;
  }

  wants(order: OrderView): boolean {
    const { filter } = this.options;
    if (filter.kind === "shop") return true;
    if (filter.kind === "user") return order.userId === filter.userId;
    return (
      order.orderNo === filter.orderNo && (filter.userId === undefined || order.userId === filter.userId)
    );
  }

  /** Queues `order` unless this stream does not want it or already had this version or a newer one. */
  push(order: OrderView): void {
    if (this.done || !this.wants(order)) return;
    const version = versionOf(order);
    const last = this.versions.get(order.orderNo);
    if (last && compareVersions(version, last) <= 0) return;
    this.versions.delete(order.orderNo);
    this.versions.set(order.orderNo, version);
    // A shop screen open for days sees every order: the versions of the least recently changed ones are
    // forgotten (a late copy of such an order's last change could then be sent again: at least once).
    if (this.versions.size > MAX_VERSIONS) this.versions.delete(this.versions.keys().next().value!);
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      m.delivered.inc();
      resolve({ value: order, done: false });
      return;
    }
    if (this.queue.length >= this.options.maxQueue) {
      this.end();
      this.options.onOverflow();
      return;
    }
    m.delivered.inc();
    this.queue.push(order);
  }

  /** Loads the current state and queues what is newer than what was sent. */
  async refresh(): Promise<void> {
    for (const order of await this.options.snapshot()) this.push(order);
  }

  next(): Promise<IteratorResult<OrderView>> {
    const order = this.queue.shift();
    if (order) return Promise.resolve({ value: order, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<OrderView>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err: unknown): Promise<IteratorResult<OrderView>> {
    this.end();
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    this.onEnd(this);
  }
}

export class OrderEvents {
  private readonly origin = randomUUID();
  private readonly streams = new Set<OrderStream>();
  private subscriber: RedisClient | undefined;
  private subscribed = false;
  private interrupted = false;
  private lastPublishFailure = 0;
  private resubscribing = false;

  constructor(private readonly options: OrderEventsOptions) {
    fanoutState.degraded = () => this.degraded();
  }

  /** Subscribes to the channel (a second connection, which reconnects and resubscribes on its own). */
  start(): void {
    if (this.subscriber) return;
    const subscriber = this.options.connectSubscriber();
    this.subscriber = subscriber;
    subscriber.on("error", () => {});
    subscriber.on("message", (_channel: string, message: string) => this.onMessage(message));
    subscriber.on("close", () => {
      if (this.subscribed) this.interrupted = true;
      this.subscribed = false;
    });
    // In cluster mode the subscriber's node may die without a "close" here (ioredis moves the subscription to
    // another node by itself): a node leaving the slot map counts as an interruption.
    if (subscriber instanceof Cluster) subscriber.on("-node", () => this.resubscribe(subscriber));
    subscriber.on("ready", () => {
      // ioredis resubscribes on reconnect before "ready"; a fresh connection subscribes here.
      void subscriber
        .subscribe(this.options.channel)
        .then(() => {
          this.subscribed = true;
          if (this.interrupted) {
            this.interrupted = false;
            this.refreshAll();
          }
        })
        .catch((err: unknown) => {
          m.fanoutFailures.inc({ operation: "subscribe" });
          this.options.logger.warn({ err }, "could not subscribe to order events");
        });
    });
  }

  /**
   * After a cluster node left: subscribes again (answered once the subscriber connection, wherever ioredis
   * put it, is subscribed), then reloads every stream, so that whatever was published meanwhile arrives.
   */
  private resubscribe(subscriber: Cluster): void {
    if (this.subscriber !== subscriber || this.resubscribing) return;
    this.resubscribing = true;
    this.subscribed = false;
    const attempt = (): void => {
      if (this.subscriber !== subscriber) return;
      subscriber.subscribe(this.options.channel).then(
        () => {
          this.resubscribing = false;
          this.subscribed = true;
          this.interrupted = false;
          this.refreshAll();
        },
        () => setTimeout(attempt, RESUBSCRIBE_RETRY_MS).unref(),
      );
    };
    attempt();
  }

  async stop(): Promise<void> {
    for (const stream of [...this.streams]) stream.end();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.subscribed = false;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  /** True while events raised elsewhere may not reach this replica, or its own may not leave it. */
  degraded(): boolean {
    return !this.subscribed || Date.now() - this.lastPublishFailure < FAILURE_WINDOW_MS;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** A new stream: registered at once, then sent the current state (events meanwhile are kept in order). */
  stream(options: StreamOptions): OrderStream {
    const stream = new OrderStream(options, (s) => {
      if (this.streams.delete(s)) m.subscriptionsActive.dec();
    });
    this.streams.add(stream);
    m.subscriptionsActive.inc();
    void stream.refresh().catch((err: unknown) => {
      this.options.logger.warn({ err }, "could not load the current state of a subscription");
      stream.end();
    });
    return stream;
  }

  /** Called after a commit: delivers here at once, then through Redis. Never throws, never waits for Redis. */
  publish(order: OrderView): void {
    m.published.inc({ source: "mutation" });
    this.deliver(order);
    const message = `order\t${this.origin}\t${serializeOrder(order)}`;
    void Promise.resolve()
      .then(() => this.options.redis.publish(this.options.channel, message))
      .catch((err: unknown) => {
        this.lastPublishFailure = Date.now();
        m.fanoutFailures.inc({ operation: "publish" });
        this.options.logger.warn({ err, orderNo: order.orderNo }, "order event not published to Redis");
      });
  }

  private deliver(order: OrderView): void {
    for (const stream of this.streams) stream.push(order);
  }

  private onMessage(message: string): void {
    const [kind, origin, payload] = message.split("\t", 3);
    if (origin === this.origin || payload === undefined || this.streams.size === 0) return;
    try {
      if (kind === "order") {
        m.received.inc({ kind });
        this.deliver(reviveOrder(payload));
      } else if (kind === "hint") {
        m.received.inc({ kind });
        const hint = JSON.parse(payload) as OrderHint;
        if (this.cares(hint)) void this.loadAndDeliver(hint);
      }
    } catch (err) {
      this.options.logger.warn({ err }, "unreadable order event");
    }
  }

  /**
   * Whether a stream here may want the hinted change and does not have it yet: a change the API made reached
   * its subscribers as a whole order already, and costs no query when its hint follows.
   */
  private cares(hint: OrderHint): boolean {
    const version: OrderVersion | undefined =
      hint.row && Object.hasOwn(RANK, hint.row.status)
        ? [hint.row.updatedAtMs, RANK[hint.row.status as OrderStatus]]
        : undefined;
    for (const stream of this.streams) {
      const { filter } = stream.options;
      const wants =
        filter.kind === "shop" ||
        (filter.kind === "user" && filter.userId === hint.userId) ||
        (filter.kind === "order" && filter.orderNo === hint.orderNo);
      if (wants && !(version && stream.has(hint.orderNo, version))) return true;
    }
    return false;
  }

  private async loadAndDeliver({ orderNo, row }: OrderHint): Promise<void> {
    try {
      const order = await this.options.load(orderNo);
      if (!order) return;
      if (row && Object.hasOwn(OrderStatus, row.status) && Number.isFinite(row.updatedAtMs)) {
        this.deliver({
          ...order,
          status: row.status as OrderStatus,
          updatedAt: new Date(row.updatedAtMs),
          note: row.note,
          total: new Prisma.Decimal(row.total),
        });
      } else {
        this.deliver(order);
      }
    } catch (err) {
      m.fanoutFailures.inc({ operation: "load" });
      this.options.logger.warn({ err, orderNo }, "could not load an order for its event");
    }
  }

  private refreshAll(): void {
    for (const stream of this.streams) {
      void stream.refresh().catch((err: unknown) => {
        this.options.logger.warn({ err }, "could not reload a subscription after a fan-out outage");
      });
    }
  }
}
