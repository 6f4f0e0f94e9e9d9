/**
 * MariaDB GTID positions ("domain-server-seq" per replication domain, comma-separated, as in
 * @@gtid_binlog_pos and @@gtid_slave_pos). Within a domain sequence numbers only grow, so a position covers
 * another when, for every domain of the other, its sequence number is at least as high. Sequence numbers are
 * 64-bit: kept as bigint.
 */
export type GtidPosition = Map<number, bigint>;

export function parseGtidPosition(text: string | null | undefined): GtidPosition {
  const position: GtidPosition = new Map();
  for (const item of (text ?? "").split(",")) {
    const m = /^\s*(\d+)-(\d+)-(\d+)\s*$/.exec(item);
    if (m) position.set(Number(m[1]), BigInt(m[3]!));
  }
  return position;
}

/** True when `have` has applied everything `need` names (an empty `need` is always covered). */
export function covers(have: GtidPosition, need: GtidPosition): boolean {
  for (const [domain, seq] of need) {
    const reached = have.get(domain);
    if (reached === undefined || reached < seq) return false;
  }
  return true;
}

/** The per-domain maximum of two positions. */
export function mergeGtid(a: GtidPosition, b: GtidPosition): GtidPosition {
  const merged = new Map(a);
  for (const [domain, seq] of b) if ((merged.get(domain) ?? -1n) < seq) merged.set(domain, seq);
  return merged;
}
