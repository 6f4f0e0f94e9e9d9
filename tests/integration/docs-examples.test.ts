/**
 * README's and the GraphQL guide's shell examples, run as written (with bash) against the real server: each
 * ```sh block that calls the API must exit 0 and print no error. Only the server's address is changed, to a
 * free port.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig } from "../helpers/env.js";
import { freePort } from "../helpers/redis-server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const config = testConfig();
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ENVIRONMENT: "test",
  DB_HOST: config.db.host,
  DB_PORT: String(config.db.port),
  DB_USER: config.db.user,
  DB_NAME: config.db.database,
  REDIS_KEY_PREFIX: `${config.redis.keyPrefix}docs:`,
  DB_SEED_ON_START: "false",
  LOG_LEVEL: "warn",
};

/** The ```sh blocks of a Markdown file that talk to the server (curl) or run one of our npm scripts. */
function shellExamples(file: string): string[] {
  const text = readFileSync(`${root}${file}`, "utf8");
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .filter((block) => /curl |npm run admin/.test(block));
}

let server: ChildProcess;
let port: number;
beforeAll(async () => {
  port = await freePort();
  server = spawn(process.execPath, ["dist/main.js"], {
    cwd: root,
    env: { ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: "ignore",
  });
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("server did not start");
});
afterAll(() => server?.kill("SIGTERM"));

describe.each([
  ["README.md", 2],
  ["docs/graphql.md", 2],
])("%s: examples run as written", (file, atLeast) => {
  const blocks = shellExamples(file);

  it("has examples to run", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(atLeast);
  });

  it.each(blocks.map((block, i) => [i + 1, block]))(
    "example %i exits 0 and prints no error",
    async (_, block) => {
      const script = `set -euo pipefail\n${String(block).replaceAll("localhost:8000", `127.0.0.1:${port}`)}`;
      const { stdout } = await promisify(execFile)("bash", ["-c", script], {
        cwd: root,
        env: { ...env, ADMIN_PASSWORD: "a-long-shopkeeper-password-1" },
        timeout: 60_000,
      });
      expect(stdout).not.toMatch(/"errors"|"detail"|refused/);
      if (String(block).includes("curl")) expect(stdout).toMatch(/"data"|"access_token"|"result"/);
    },
  );
});
