/**
 * The values of a few hot, small Redis keys kept in process memory, and trusted only while Redis itself
 * vouches for them, so that a warm request needs no Redis round trip at all: the catalogue's invalidation
 * counter and users' version stamps are read on every request and change rarely.
 *
 * Redis's own client-side caching does the vouching: one connection asks Redis to track every key under
 * the given prefixes (`CLIENT TRACKING ON BCAST PREFIX ...`) and to send the name of each key that changes,
 * expires or is flushed to a second connection subscribed to `__redis__:invalidate`. A remembered value is
 * dropped when its key's name arrives.
 *
 * When is a remembered value current?
 * - A value is remembered only if no invalidation of its key (and no loss of tracking) happened between the
 *   moment its read was started and the moment it is remembered (`ticket` / `remember`): a read answered
 *   before a write whose invalidation arrived first is never kept.
 * - The subscriber connection is pinged every `heartbeatMs`. Redis answers on one connection in order, so a
 *   pong means every invalidation sent before the ping has arrived. Values are trusted only while the last
 *   pong answered a ping sent less than `3 × heartbeatMs` ago: a frozen Redis, a stalled network or a lost
 *   connection leaves values untrusted within that bound (callers then read Redis, and their own timeouts
 *   and the circuit breaker take over), and anything remembered is dropped.
 * - Either connection closing (Redis restarted, flushed by a failover) drops everything until tracking is on
 *   again on fresh connections.
 * Redis without CLIENT TRACKING (before 6.0, or a proxy that refuses it) leaves the keys untracked: every
 * read goes to Redis as if this layer did not exist.
 */
import type { Redis } from "ioredis";
import { metrics } from "../observability/metrics.js";
import { BoundedLru } from "./lru.js";

const INVALIDATE_CHANNEL = "__redis__:invalidate";
// Bound once: a labelled inc() hashes its labels on every call, and this one is on every request's path.
const READ_HITS = metrics.trackedKeyReads.labels({ outcome: "hit" });
const READ_MISSES = metrics.trackedKeyReads.labels({ outcome: "miss" });

export interface TrackedKeysOptions {
  /** Opens a new connection to the deployment's Redis (two are opened: tracking and subscriber). */
  connect: () => Redis;
  /** The key prefix of the connection callers read with: keys here are named without it. */
  keyPrefix: string;
  /** Prefixes (without `keyPrefix`) of the keys that may be remembered. */
  prefixes: string[];
  /** Memory for remembered values. */
  maxBytes?: number;
  heartbeatMs?: number;
  log: { warn(obj: object, msg: string): void };
}

interface Slot {
  value: unknown;
}

/** A read in progress: remembering its result is refused if the key changed meanwhile. */
export interface Ticket {
  key: string;
  slot: Slot;
  generation: number;
}

export class TrackedKeys {
  private readonly values: BoundedLru<Slot>;
  private readonly tracker: Redis;
  private readonly subscriber: Redis;
  private readonly heartbeatMs: number;
  private readonly timer: NodeJS.Timeout;
  /** Moves whenever everything remembered is dropped: tickets from before are refused. */
  private generation = 0;
  private tracking = false;
  /** When the ping answered most recently was sent. */
  private confirmedAt = 0;
  private pingInFlight = false;
  private refused = false;
  /** Counts connection losses, so that tracking turned on over a connection that closed meanwhile is not trusted. */
  private losses = 0;
  private subscriberId: string | undefined;
  private starting: Promise<void> | undefined;

  constructor(private readonly options: TrackedKeysOptions) {
    this.heartbeatMs = options.heartbeatMs ?? 250;
    this.values = new BoundedLru(options.maxBytes ?? 4 * 1024 * 1024, (_slot, key) => 128 + key.length * 2);
    this.tracker = options.connect();
    this.subscriber = options.connect();
    // Its id is asked before it subscribes again, which ioredis would otherwise do first.
    this.subscriber.options.autoResubscribe = false;
    for (const connection of [this.tracker, this.subscriber]) {
      connection.on("error", () => {});
      connection.on("close", () => {
        this.losses++;
        if (connection === this.subscriber) this.subscriberId = undefined;
        this.untrack();
      });
      connection.on("ready", () => this.track());
    }
    this.subscriber.on("messageBuffer", (channel: Buffer, keys: Buffer[] | null) => {
      if (channel.toString() === INVALIDATE_CHANNEL) this.invalidate(keys);
    });
    this.timer = setInterval(() => this.heartbeat(), this.heartbeatMs).unref();
  }

  /** True once Redis refused CLIENT TRACKING: this layer stays a pass-through. */
  get unsupported(): boolean {
    return this.refused;
  }

  /** Whether remembered values may be used now. */
  live(): boolean {
    if (!this.tracking) return false;
    if (Date.now() - this.confirmedAt < 3 * this.heartbeatMs) return true;
    // Silent for too long: whatever is remembered is dropped, not kept for when Redis answers again.
    if (this.values.sizeInBytes > 0) this.dropAll();
    return false;
  }

  /** The remembered value of `key`, undefined when there is none or it cannot be trusted now. */
  get<T>(key: string): T | undefined {
    if (!this.live()) return undefined;
    const value = this.values.get(key)?.value as T | undefined;
    (value === undefined ? READ_MISSES : READ_HITS).inc();
    return value;
  }

  /** Call before reading `key` from Redis; hand the ticket to `remember` with what the read found. */
  ticket(key: string): Ticket | undefined {
    if (!this.live()) return undefined;
    let slot = this.values.get(key);
    if (!slot) {
      slot = { value: undefined };
      this.values.set(key, slot);
    }
    return { key, slot, generation: this.generation };
  }

  /** Remembers what a read started with `ticket` found, unless the key changed since. */
  remember(ticket: Ticket | undefined, value: unknown): void {
    if (!ticket || ticket.generation !== this.generation || !this.live()) return;
    if (this.values.get(ticket.key) === ticket.slot) ticket.slot.value = value;
  }

  /** Forgets `key` here (its value is read from Redis next time). */
  forget(key: string): void {
    this.values.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.untrack();
    this.tracker.disconnect();
    this.subscriber.disconnect();
  }

  private invalidate(keys: Buffer[] | null): void {
    // Null: the database was flushed.
    if (!keys) return this.dropAll();
    const prefix = this.options.keyPrefix;
    for (const raw of keys) {
      const key = raw.toString();
      if (key.startsWith(prefix)) this.values.delete(key.slice(prefix.length));
    }
  }

  private dropAll(): void {
    this.generation++;
    this.values.clear();
  }

  private untrack(): void {
    this.tracking = false;
    this.dropAll();
  }

  /** Turns tracking on once both connections are up (again, after either reconnected). */
  private track(): void {
    this.starting ??= this.start().finally(() => (this.starting = undefined));
  }

  private async start(): Promise<void> {
    if (this.tracker.status !== "ready" || this.subscriber.status !== "ready" || this.refused) return;
    const losses = this.losses;
    try {
      // A subscriber that was subscribed before a reconnect of the tracker only needs tracking again.
      if (this.subscriberId === undefined) {
        this.subscriberId = String(await this.subscriber.client("ID"));
        await this.subscriber.subscribe(INVALIDATE_CHANNEL);
      }
      const prefixes = this.options.prefixes.flatMap((p) => ["PREFIX", this.options.keyPrefix + p]);
      await this.tracker.call("CLIENT", "TRACKING", "OFF");
      await this.tracker.call(
        "CLIENT",
        "TRACKING",
        "ON",
        "REDIRECT",
        this.subscriberId,
        "BCAST",
        ...prefixes,
      );
      if (losses !== this.losses) return;
      this.dropAll();
      this.tracking = true;
      this.confirmedAt = Date.now();
    } catch (err) {
      this.untrack();
      if (err instanceof Error && /unknown|tracking/i.test(err.message)) {
        // This Redis cannot track keys: stay a pass-through instead of retrying forever.
        this.refused = true;
        this.options.log.warn({ err: err.message }, "redis refuses CLIENT TRACKING: no in-process stamps");
      }
    }
  }

  private heartbeat(): void {
    if (!this.tracking) return this.track();
    this.live(); // drops what is remembered once Redis has been silent too long
    if (this.pingInFlight) return;
    const sentAt = Date.now();
    this.pingInFlight = true;
    this.subscriber
      .ping()
      .then(() => {
        if (this.tracking) this.confirmedAt = sentAt;
      })
      .catch(() => undefined)
      .finally(() => (this.pingInFlight = false));
  }
}
