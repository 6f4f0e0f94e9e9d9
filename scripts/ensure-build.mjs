// Brings dist/ up to date before a command runs from it: regenerates the Prisma client when the schema is
// newer than it, then runs an incremental TypeScript build (about a second when nothing changed).
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;

export function ensureBuild() {
  const schema = `${root}prisma/schema.prisma`;
  const client = `${root}src/generated/prisma/client.ts`;
  if (!existsSync(client) || statSync(client).mtimeMs < statSync(schema).mtimeMs) {
    execFileSync(bin("prisma"), ["generate"], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: "/bin/true", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    });
  }
  if (!existsSync(`${root}dist/main.js`)) console.error("first start: compiling TypeScript (about 30 s)...");
  execFileSync(bin("tsc"), ["-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
}
