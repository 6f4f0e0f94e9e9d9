import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as mariadb from "mariadb";
import { freePort } from "./redis-server.js";

const run = promisify(execFile);

/**
 * A private MariaDB server in a temporary directory that replicates some databases of the machine's MariaDB
 * (127.0.0.1:3306) by GTID: only those databases (replicate-wild-do-table), so that the other databases of the
 * shared server, created and dropped by other runs, never reach it. It writes its own row binlog with the
 * replicated changes (log-slave-updates), so a CDC worker can follow it. Nothing on the primary changes: the
 * replica connects as root and only reads the binlog.
 */
export class PrivateReplica {
  private child: ChildProcess | undefined;
  private dir = "";
  port = 0;
  readonly serverId = 2_000 + Math.floor(Math.random() * 1_000_000);

  constructor(
    private readonly databases: string[],
    private readonly primary = { host: "127.0.0.1", port: 3306, user: "root", password: "" },
  ) {}

  get socket(): string {
    return join(this.dir, "mysqld.sock");
  }

  /** Creates the data directory, starts the server, copies the databases and starts replicating. */
  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), "coffee-replica-"));
    this.port = await freePort();
    await run("mariadb-install-db", [
      "--no-defaults",
      `--datadir=${join(this.dir, "data")}`,
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
      ...(process.getuid?.() === 0 ? ["--user=root"] : []),
    ]);
    await this.launch();
    await this.copyAndReplicate();
  }

  /** Starts mariadbd on the existing data directory (after `stop` or `kill`). */
  async launch(): Promise<void> {
    this.child = spawn(
      "mariadbd",
      [
        "--no-defaults",
        `--datadir=${join(this.dir, "data")}`,
        `--port=${this.port}`,
        "--bind-address=127.0.0.1",
        `--socket=${this.socket}`,
        `--pid-file=${join(this.dir, "mysqld.pid")}`,
        `--server-id=${this.serverId}`,
        `--log-bin=${join(this.dir, "binlog")}`,
        "--log-slave-updates",
        "--binlog-format=ROW",
        "--binlog-row-image=FULL",
        "--binlog-row-metadata=FULL",
        ...this.databases.map((db) => `--replicate-wild-do-table=${db}.%`),
        "--skip-name-resolve",
        "--innodb-buffer-pool-size=16M",
        "--innodb-log-file-size=16M",
        "--performance-schema=OFF",
        "--skip-log-error",
        ...(process.getuid?.() === 0 ? ["--user=root"] : []),
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    this.child.stderr!.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    for (let i = 0; i < 300; i++) {
      if (this.child.exitCode !== null) throw new Error(`mariadbd exited: ${stderr}`);
      try {
        await this.sql("SELECT 1");
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`mariadbd did not answer on port ${this.port}: ${stderr}`);
  }

  /** The primary's binlog position now (@@gtid_binlog_pos). */
  private async primaryPosition(): Promise<string> {
    const p = this.primary;
    const primary = await mariadb.createConnection({
      host: p.host,
      port: p.port,
      user: p.user,
      password: p.password,
    });
    try {
      const [{ gtid }] = await primary.query<{ gtid: string }[]>("SELECT @@gtid_binlog_pos AS gtid");
      return gtid;
    } finally {
      await primary.end();
    }
  }

  private async copyAndReplicate(): Promise<void> {
    const p = this.primary;
    // The copied databases are quiet while the copy is made (the test has not started writing), so the
    // position read before the dump is the one the copy is at, for them.
    const gtid = await this.primaryPosition();
    const { stdout: dump } = await run(
      "mariadb-dump",
      [
        `-h${p.host}`,
        `-P${p.port}`,
        `-u${p.user}`,
        ...(p.password ? [`-p${p.password}`] : []),
        "--single-transaction",
        "--skip-add-locks",
        "--databases",
        ...this.databases,
      ],
      { maxBuffer: 256 * 1024 * 1024 },
    );
    await new Promise<void>((resolve, reject) => {
      const load = spawn("mariadb", [`-h127.0.0.1`, `-P${this.port}`, "-uroot"], {
        stdio: ["pipe", "ignore", "pipe"],
      });
      let err = "";
      load.stderr.on("data", (c: Buffer) => (err += c.toString()));
      load.on("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`loading the copy failed: ${err}`)),
      );
      load.stdin.end(dump);
    });
    // The copy's own binlog events would conflict with the primary's GTIDs in the same domain.
    await this.sql("RESET MASTER");
    await this.sql(`SET GLOBAL gtid_slave_pos = '${gtid}'`);
    await this.sql(
      `CHANGE MASTER TO MASTER_HOST='${p.host}', MASTER_PORT=${p.port}, MASTER_USER='${p.user}', ` +
        `MASTER_PASSWORD='${p.password}', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`,
    );
    await this.sql("START SLAVE");
  }

  /**
   * Runs one statement on the replica (as root, over TCP). `unlogged`: kept out of the replica's binlog, for
   * changes that only the replica must have.
   */
  async sql<T = unknown>(statement: string, values?: unknown[], unlogged = false): Promise<T> {
    const conn = await mariadb.createConnection({
      host: "127.0.0.1",
      port: this.port,
      user: "root",
      connectTimeout: 2_000,
    });
    try {
      if (unlogged) await conn.query("SET SESSION sql_log_bin = 0");
      return await conn.query<T>(statement, values);
    } finally {
      await conn.end();
    }
  }

  url(database: string): string {
    return `mysql://root@127.0.0.1:${this.port}/${database}`;
  }

  /** Waits until the replica has applied everything the primary had logged when this was called. */
  async catchUp(timeoutMs = 20_000): Promise<void> {
    const gtid = await this.primaryPosition();
    const [row] = await this.sql<{ r: number | bigint | null }[]>("SELECT MASTER_GTID_WAIT(?, ?) AS r", [
      gtid,
      timeoutMs / 1_000,
    ]);
    if (Number(row?.r) !== 0) throw new Error(`replica did not reach ${gtid} within ${timeoutMs} ms`);
  }

  /** Stops the server cleanly (SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    await this.signal("SIGTERM");
  }

  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.kill(signal);
    await exited;
  }

  /** Kills the server and deletes its directory. */
  async destroy(): Promise<void> {
    await this.kill();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
