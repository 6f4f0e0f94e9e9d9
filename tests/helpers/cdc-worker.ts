import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type * as mariadb from "mariadb";
import type { Config } from "../../src/config.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface CdcHealth {
  healthy: boolean;
  role: "active" | "standby";
  binlog: string;
  threadId: number | null;
  position: { file: string; position: number } | null;
}

export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The environment of a CDC worker process for a test app's database and Redis prefix. */
export function cdcEnv(config: Config, serverId: number, extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: "",
    REDIS_URL: "",
    ENVIRONMENT: "test",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    DB_NAME: config.db.database,
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
    CDC_SERVER_ID: String(serverId),
    CDC_METRICS_PORT: "0",
    ...extra,
  };
}

/** One run of `node dist/cdc/main.js` (the real worker process), its JSON log lines collected. */
export class CdcWorkerProcess {
  readonly child: ChildProcess;
  readonly logs: Record<string, unknown>[] = [];
  private readonly exited: Promise<unknown[]>;
  private port: number | undefined;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ["dist/cdc/main.js"], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.exited = once(this.child, "exit");
    let pending = "";
    this.child.stdout!.on("data", (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split("\n");
      pending = lines.pop()!;
      for (const line of lines) this.logs.push(line.startsWith("{") ? JSON.parse(line) : { stdout: line });
    });
    this.child.stderr!.on("data", (chunk: Buffer) => this.logs.push({ stderr: chunk.toString() }));
  }

  /** Resolves once /health answers 200 in the given role. */
  async ready(role: CdcHealth["role"]): Promise<void> {
    try {
      await until("the metrics server", () =>
        this.logs.some((l) => l.msg === "cdc worker: /metrics and /health listening"),
      );
      this.port = this.logs.find((l) => typeof l.port === "number")!.port as number;
      await this.healthWhere((h) => h.healthy && h.role === role);
    } catch (err) {
      throw new Error(
        `worker not ready (${String(err)}); its last logs: ${JSON.stringify(this.logs.slice(-5))}`,
      );
    }
  }

  get(path: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.port}${path}`);
  }

  async health(): Promise<CdcHealth> {
    return (await (await this.get("/health")).json()) as CdcHealth;
  }

  healthWhere(accept: (h: CdcHealth) => boolean, timeoutMs = 20_000): Promise<CdcHealth> {
    return until(
      "a worker health state",
      async () => {
        const h = await this.health();
        return accept(h) ? h : undefined;
      },
      timeoutMs,
    );
  }

  /**
   * Resolves once this (active) worker has applied every commit up to the binlog's current end: changes made
   * before the call can no longer reach the cache after it.
   */
  async caughtUp(sql: mariadb.Connection): Promise<void> {
    const [end] = (await sql.query("SHOW MASTER STATUS")) as { File: string; Position: number | bigint }[];
    const target = { file: end!.File, position: Number(end!.Position) };
    await this.healthWhere(
      ({ position: p }) =>
        p !== null && (p.file > target.file || (p.file === target.file && p.position >= target.position)),
    );
  }

  /** SIGKILL: the process dies at once, its connections are closed by the kernel. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  /** SIGSTOP: the process and its connections hang, nothing is closed (a host or network that vanished). */
  freeze(): void {
    this.child.kill("SIGSTOP");
  }

  thaw(): void {
    this.child.kill("SIGCONT");
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill("SIGTERM");
    const [code] = await this.exited;
    return code as number | null;
  }
}
