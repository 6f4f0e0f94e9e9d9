import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { closeGracefully } from "../../src/server.js";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { testConfig } from "../helpers/env.js";

const silent = pino({ level: "silent" });
const root = fileURLToPath(new URL("../..", import.meta.url));

let current: TestApp | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  await current?.close().catch(() => {});
  current = undefined;
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

async function listeningApp(slowMs: number) {
  current = await createTestApp();
  current.app.get("/test-slow", async () => {
    await new Promise((r) => setTimeout(r, slowMs));
    return { done: true };
  });
  await current.app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = current.app.server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

describe("graceful shutdown", () => {
  it("finishes a request in flight, then refuses new connections", async () => {
    const base = await listeningApp(400);
    const inFlight = fetch(`${base}/test-slow`);
    await new Promise((r) => setTimeout(r, 100));

    const drained = await closeGracefully(current!.app, 5_000, silent);
    const response = await inFlight;
    expect(drained).toBe(true);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await expect(fetch(`${base}/`)).rejects.toThrow();
  });

  it("waits for database work of a request whose client has already gone", async () => {
    let result: unknown;
    current = await createTestApp();
    const { pool } = current.db;
    current.app.get("/test-abandoned", async () => {
      result = await pool.query("SELECT SLEEP(0.3) AS slept").catch((err: Error) => err.message);
      return { done: true };
    });
    await current.app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = current.app.server.address() as { port: number };
    const client = new AbortController();
    const request = fetch(`http://127.0.0.1:${port}/test-abandoned`, { signal: client.signal }).catch(
      () => "aborted",
    );
    await new Promise((r) => setTimeout(r, 50));
    client.abort();
    expect(await request).toBe("aborted");

    expect(await closeGracefully(current.app, 5_000, silent, () => pool.activeConnections() > 0)).toBe(true);
    // The pools may now be closed: the query finished first.
    expect(result).toEqual([{ slept: 0 }]);
  });

  it("cuts requests that outlive the timeout", async () => {
    const base = await listeningApp(5_000);
    const inFlight = fetch(`${base}/test-slow`).then(
      (r) => r.status,
      () => "connection closed",
    );
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    expect(await closeGracefully(current!.app, 200, silent)).toBe(false);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await inFlight).toBe("connection closed");
  });

  it("the real process starts, serves and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ["dist/main.js"], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: "127.0.0.1",
        DB_NAME: testConfig().db.database,
        DATABASE_URL: "",
        REDIS_KEY_PREFIX: testConfig().redis.keyPrefix,
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const exited = once(child, "exit");

    for (let i = 0; i < 100 && !output.includes("Server listening"); i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);

    child.kill("SIGTERM");
    const [code] = await exited;
    expect(code).toBe(0);
    // Lines still buffered at exit are written (src/observability/log-destination.ts), the access line too.
    expect(output).toContain('"msg":"stopped"');
    expect(output).toMatch(/"route":"\/health","status":200,.*"msg":"request"/);
  }, 60_000);

  it("the real process exits non-zero naming a bad variable", async () => {
    const child = spawn(process.execPath, ["dist/main.js"], {
      cwd: root,
      env: { ...process.env, DB_PORT: "abc" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const [code] = await once(child, "exit");
    expect(code).not.toBe(0);
    expect(stderr).toContain('DB_PORT="abc" is not an integer');
  }, 60_000);
});
