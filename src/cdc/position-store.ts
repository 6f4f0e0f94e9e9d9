import type { RedisClient } from "../cache/redis.js";

/** A point in the server's binlog: a file and a byte offset in it (always a transaction boundary). */
export interface BinlogPosition {
  file: string;
  position: number;
}

/**
 * Where the worker has handled the binlog up to, kept in Redis beside the cache it guards: everything before
 * the stored position has been invalidated. One key per followed database, under the client's key prefix.
 */
export class PositionStore {
  readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    database: string,
  ) {
    this.key = `cdc:position:${database}`;
  }

  async load(): Promise<BinlogPosition | undefined> {
    const text = await this.redis.get(this.key);
    if (text === null) return undefined;
    const value: unknown = JSON.parse(text);
    if (!isPosition(value)) throw new Error(`${this.key} holds no binlog position: ${text}`);
    return value;
  }

  async save(position: BinlogPosition): Promise<void> {
    await this.redis.set(this.key, JSON.stringify({ file: position.file, position: position.position }));
  }
}

function isPosition(value: unknown): value is BinlogPosition {
  const v = value as Partial<BinlogPosition> | null;
  return typeof v?.file === "string" && Number.isSafeInteger(v.position);
}
