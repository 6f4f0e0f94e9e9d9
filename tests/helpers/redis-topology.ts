/**
 * Real Redis topologies for tests, started from the redis-server binary on free ports in temporary
 * directories (no Docker): a Sentinel group (one primary, one replica, three sentinels) and a Redis Cluster
 * (three primaries, with or without a replica each). Every process is killed and every directory removed by `stop()`, and by an exit handler of
 * the process that started them if a test file dies before its afterAll.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "./redis-server.js";

const run = promisify(execFile);

const running = new Set<ChildProcess>();
const directories = new Set<string>();
let exitHandler = false;

function cleanUpNow(): void {
  for (const child of running) if (child.exitCode === null) child.kill("SIGKILL");
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
}

function cleanUpOnExit(): void {
  if (exitHandler) return;
  exitHandler = true;
  process.once("exit", cleanUpNow);
  // A run stopped by a signal exits without "exit" handlers: clean up, then die of the same signal.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      cleanUpNow();
      process.kill(process.pid, signal);
    });
  }
}

/** One redis-server process (a data node or a sentinel) on its own port. */
export class RedisProcess {
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly args: string[],
  ) {}

  async start(): Promise<void> {
    cleanUpOnExit();
    const child = spawn("redis-server", this.args, { stdio: ["ignore", "ignore", "inherit"] });
    this.child = child;
    running.add(child);
    child.once("exit", () => running.delete(child));
    await waitFor(() => command(this.port, ["PING"]).then((reply) => reply === "PONG"), `port ${this.port}`);
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: the process dies at once, without closing its connections cleanly. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
  }
}

/** Sends one command to 127.0.0.1:port on a short-lived connection (undefined when it cannot). */
export async function command(port: number, args: (string | number)[]): Promise<unknown> {
  const redis = new Redis({
    port,
    host: "127.0.0.1",
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return await redis.call(String(args[0]), ...args.slice(1).map(String));
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** Polls `check` (every 100 ms) until it is true; fails after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `coffee-${label}-`));
  directories.add(dir);
  return dir;
}

const dataNodeArgs = (port: number, dir: string) => [
  "--port",
  String(port),
  "--bind",
  "127.0.0.1",
  "--dir",
  dir,
  "--save",
  "",
  "--appendonly",
  "no",
  "--logfile",
  join(dir, `redis-${port}.log`),
];

/** A Sentinel group: primary, replica, three sentinels (quorum 2), monitoring `name`. */
export class SentinelGroup {
  readonly name = "mymaster";

  private constructor(
    private readonly dir: string,
    readonly primary: RedisProcess,
    readonly replica: RedisProcess,
    readonly sentinels: RedisProcess[],
  ) {}

  static async start(): Promise<SentinelGroup> {
    const dir = tempDir("sentinel");
    const primaryPort = await freePort();
    const primary = new RedisProcess(primaryPort, dataNodeArgs(primaryPort, dir));
    await primary.start();
    const replicaPort = await freePort();
    const replica = new RedisProcess(replicaPort, [
      ...dataNodeArgs(replicaPort, dir),
      "--replicaof",
      "127.0.0.1",
      String(primaryPort),
    ]);
    await replica.start();
    await waitFor(
      async () =>
        String(await command(replicaPort, ["INFO", "replication"])).includes("master_link_status:up"),
      "the replica to sync",
    );
    const sentinels: RedisProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const file = join(dir, `sentinel-${port}.conf`);
      // Sentinel rewrites its own config file: each gets one, in the temporary directory.
      writeFileSync(
        file,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `logfile ${join(dir, `sentinel-${port}.log`)}`,
          `sentinel monitor mymaster 127.0.0.1 ${primaryPort} 2`,
          "sentinel down-after-milliseconds mymaster 1000",
          "sentinel failover-timeout mymaster 5000",
          "sentinel parallel-syncs mymaster 1",
          "",
        ].join("\n"),
      );
      const sentinel = new RedisProcess(port, [file, "--sentinel"]);
      await sentinel.start();
      sentinels.push(sentinel);
    }
    const group = new SentinelGroup(dir, primary, replica, sentinels);
    // Ready for a failover once every sentinel knows the other two and the replica.
    await waitFor(async () => {
      for (const s of sentinels) {
        const fields = (await command(s.port, ["SENTINEL", "MASTER", "mymaster"])) as string[] | undefined;
        if (!fields) return false;
        const info = Object.fromEntries(fields.flatMap((v, i) => (i % 2 === 0 ? [[v, fields[i + 1]]] : [])));
        if (info["num-other-sentinels"] !== "2" || info["num-slaves"] !== "1") return false;
      }
      return true;
    }, "the sentinels to discover each other and the replica");
    return group;
  }

  /** REDIS_SENTINELS for the app. */
  get sentinelList(): string {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(",");
  }

  /** The port of the primary the sentinels currently name. */
  async primaryPort(): Promise<number | undefined> {
    for (const s of this.sentinels) {
      const addr = (await command(s.port, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", this.name])) as
        string[] | undefined;
      if (addr) return Number(addr[1]);
    }
    return undefined;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sentinels, this.replica, this.primary].map((p) => p.kill()));
    rmSync(this.dir, { recursive: true, force: true });
    directories.delete(this.dir);
  }
}

/** One line of CLUSTER NODES: a node's port, role, and (for a replica) its primary's id. */
export interface ClusterNodeInfo {
  id: string;
  port: number;
  primary: boolean;
  primaryId: string | undefined;
  failed: boolean;
}

/** A Redis Cluster of `primaries` primaries with `replicas` replicas each, every slot assigned. */
export class RedisClusterGroup {
  private constructor(
    private readonly dir: string,
    readonly nodes: RedisProcess[],
  ) {}

  static async start(primaries = 3, replicas = 0): Promise<RedisClusterGroup> {
    const dir = tempDir("cluster");
    const nodes: RedisProcess[] = [];
    for (let i = 0; i < primaries * (1 + replicas); i++) {
      const port = await freePort();
      // The cluster bus port is port + 10000 unless given: a free one of its own.
      const busPort = await freePort();
      const node = new RedisProcess(port, [
        ...dataNodeArgs(port, dir),
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, `nodes-${port}.conf`),
        "--cluster-port",
        String(busPort),
        "--cluster-node-timeout",
        "2000",
      ]);
      await node.start();
      nodes.push(node);
    }
    await run("redis-cli", [
      "--cluster",
      "create",
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    ]);
    const group = new RedisClusterGroup(dir, nodes);
    await waitFor(async () => {
      for (const n of nodes) {
        if (!String(await command(n.port, ["CLUSTER", "INFO"])).includes("cluster_state:ok")) return false;
      }
      // Every node sees every other in its role, and every replica has synced: a replica that has not would
      // refuse to fail over (its data counts as too old), and one still listed as a primary has no primary yet.
      for (const n of nodes) {
        const view = await group.topology(n.port);
        if (view.length !== nodes.length) return false;
        if (view.filter((v) => !v.primary && v.primaryId).length !== primaries * replicas) return false;
      }
      for (const n of await group.topology()) {
        if (n.primary) continue;
        const info = String(await command(n.port, ["INFO", "replication"]));
        if (!info.includes("master_link_status:up") || info.includes("master_sync_in_progress:1"))
          return false;
      }
      return true;
    }, "the cluster to be ok on every node");
    return group;
  }

  /** CLUSTER NODES as one live node (by default the first that answers) sees it. */
  async topology(port?: number): Promise<ClusterNodeInfo[]> {
    for (const node of port === undefined ? this.nodes.filter((n) => n.alive) : [{ port }]) {
      const text = await command(node.port, ["CLUSTER", "NODES"]);
      if (typeof text !== "string") continue;
      return text
        .trim()
        .split("\n")
        .map((line) => {
          const [id, address, flags, primaryId] = line.split(" ");
          return {
            id,
            port: Number(address.split("@")[0].split(":")[1]),
            primary: flags.split(",").includes("master"),
            primaryId: primaryId === "-" ? undefined : primaryId,
            failed: flags.split(",").includes("fail"),
          };
        });
    }
    return [];
  }

  /** The port of the primary serving `key`'s slot, as a live node sees it. */
  async primaryOf(key: string): Promise<number> {
    const live = this.nodes.find((n) => n.alive)!;
    const slot = Number(await command(live.port, ["CLUSTER", "KEYSLOT", key]));
    const slots = (await command(live.port, ["CLUSTER", "SLOTS"])) as [number, number, [string, number]][];
    return slots.find(([from, to]) => slot >= from && slot <= to)![2][1];
  }

  node(port: number): RedisProcess {
    return this.nodes.find((n) => n.port === port)!;
  }

  /** REDIS_CLUSTER_NODES for the app. */
  get nodeList(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(",");
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
    rmSync(this.dir, { recursive: true, force: true });
    directories.delete(this.dir);
  }
}
