/**
 * The first minutes of a developer: the admin bootstrap command and a server that reads `.env` and says where
 * to go. Both run as real processes from dist/ (built by the global setup).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { sqlConnection, testConfig } from "../helpers/env.js";
import { freePort } from "../helpers/redis-server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const config = testConfig();
const baseEnv = {
  PATH: process.env.PATH,
  ENVIRONMENT: "test",
  DB_HOST: config.db.host,
  DB_PORT: String(config.db.port),
  DB_USER: config.db.user,
  DB_NAME: config.db.database,
  REDIS_KEY_PREFIX: config.redis.keyPrefix,
};

function run(args: string[], env: Record<string, string | undefined>, cwd = root) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

const admin = (args: string[], env: Record<string, string | undefined> = {}) =>
  run([path.join(root, "dist/cli/admin-cli.js"), ...args], { ...baseEnv, ...env });

async function roleOf(username: string): Promise<string | undefined> {
  const sql = await sqlConnection(config.db.database);
  try {
    const [row] = await sql.query("SELECT role FROM users WHERE username = ?", [username]);
    return row?.role;
  } finally {
    await sql.end();
  }
}

describe("npm run admin -- <username>", () => {
  const username = `boss_${process.pid}`;

  it("creates an admin with the password from ADMIN_PASSWORD, and changes nothing when run again", async () => {
    const created = await admin([username], { ADMIN_PASSWORD: "espresso-boss-1" });
    expect(created.out.trim()).toBe(`admin account ${username} created`);
    expect(created.code).toBe(0);
    expect(await roleOf(username)).toBe("ADMIN");
    const again = await admin([username], { ADMIN_PASSWORD: "espresso-boss-1" });
    expect(again.out.trim()).toBe(`admin account ${username} unchanged`);
  });

  it("promotes an existing account only with its own password", async () => {
    const customer = `cust_${process.pid}`;
    const created = await admin([customer], { ADMIN_PASSWORD: "latte-lover-1" });
    expect(created.code).toBe(0);
    const sql = await sqlConnection(config.db.database);
    await sql.query("UPDATE users SET role = 'CUSTOMER' WHERE username = ?", [customer]);
    await sql.end();
    const refused = await admin([customer], { ADMIN_PASSWORD: "not-their-password" });
    expect(refused.out).toContain("refused");
    expect(refused.code).toBe(1);
    expect(await roleOf(customer)).toBe("CUSTOMER");
    const promoted = await admin([customer], { ADMIN_PASSWORD: "latte-lover-1" });
    expect(promoted.out.trim()).toBe(`admin account ${customer} promoted`);
    expect(await roleOf(customer)).toBe("ADMIN");
  });

  it("never takes the password from the command line, and asks for one only on a terminal", async () => {
    const withArgument = await admin([username, "my-password"]);
    expect(withArgument.code).toBe(2);
    expect(withArgument.err).toContain("usage: npm run admin -- <username>");
    const noTerminal = await admin([username]);
    expect(noTerminal.code).toBe(1);
    expect(noTerminal.err).toContain("set ADMIN_PASSWORD");
  });
});

describe("a server started from a directory with a .env", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "coffee-env-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads .env for what the environment leaves unset, and logs where to go when ready", async () => {
    const port = await freePort();
    writeFileSync(
      path.join(dir, ".env"),
      `PORT=${port}\nHOST=127.0.0.1\nDB_NAME=not-this-one\nLOG_LEVEL=info\n`,
    );
    const child = spawn(process.execPath, [path.join(root, "dist/main.js")], {
      cwd: dir,
      env: { ...baseEnv, DB_SEED_ON_START: "false" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      let out = "";
      const ready = await new Promise<Record<string, string>>((resolve, reject) => {
        child.stdout.on("data", (chunk) => {
          out += chunk;
          const line = out.split("\n").find((l) => l.includes('"msg":"ready"'));
          if (line) resolve(JSON.parse(line));
        });
        child.on("exit", (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      // PORT and HOST came from .env; DB_NAME from the environment, which wins.
      expect(ready).toMatchObject({
        graphql: `http://127.0.0.1:${port}/graphql`,
        ide: `http://127.0.0.1:${port}/altair/`,
        restDocs: `http://127.0.0.1:${port}/docs`,
        health: `http://127.0.0.1:${port}/health`,
        metrics: `http://127.0.0.1:${port}/metrics`,
      });
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
