// `node bench/refusal-cpu.mjs`: server CPU per request of a refused hostile GraphQL document next to a cheap
// query (issue 15, finding 1). Starts the built server in production mode with the response cache off (every
// request reaches Apollo), sends each kind of request one at a time over keep-alive, and reads the server
// process's CPU time (user + system, /proc/<pid>/stat) before and after. Writes bench/results/refusal-cpu.json.
// Run it under the bench lock: `flock /tmp/bench.lock env BENCH_DB_NAME=coffee_bench15 node bench/refusal-cpu.mjs`.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ensureBuild } from "../scripts/ensure-build.mjs";
import { freePort } from "./free-port.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const TICKS_PER_SECOND = 100;

const HOSTILE = `{categories{${"products{name} ".repeat(480)}}}`;
const KINDS = {
  "cheap query (repeated)": () => "{ categories { type name } }",
  "cheap query (distinct literal)": (i) => `{ product(pid: "zz${i}") { pid } }`,
  "refused 7 KB cost bomb (repeated)": () => HOSTILE,
  "refused 7 KB cost bomb (distinct)": (i) => HOSTILE.replace("name", `name a${i}: name`),
};

function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

async function main() {
  ensureBuild();
  const port = await freePort();
  const child = spawn(process.execPath, ["dist/main.js"], {
    cwd: root,
    env: {
      ...process.env,
      ENVIRONMENT: "production",
      SECRET_KEY: "bench-secret-key-that-is-long-enough-for-production",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      DB_NAME: process.env.BENCH_DB_NAME ?? "coffee_bench",
      DATABASE_URL: "",
      REDIS_KEY_PREFIX: `bench-refusal:${Date.now()}:`,
      RESPONSE_CACHE_TTL_SECONDS: "0",
      RATE_LIMIT_REQUESTS_PER_IP: "10000000",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; i < 300; i++) {
      if (
        await fetch(`${url}/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const results = {};
    for (const [name, query] of Object.entries(KINDS)) {
      const send = async (i) => {
        const res = await fetch(`${url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: query(i) }),
        });
        await res.arrayBuffer();
        return res.status;
      };
      for (let i = 0; i < 50; i++) await send(-i - 1); // warm-up
      const before = cpuMs(child.pid);
      let status = 0;
      for (let i = 0; i < REQUESTS; i++) status = await send(i);
      const perRequest = (cpuMs(child.pid) - before) / REQUESTS;
      results[name] = { status, serverCpuMsPerRequest: Math.round(perRequest * 100) / 100 };
      console.log(`${name.padEnd(36)} HTTP ${status}  server CPU ${perRequest.toFixed(2)} ms/request`);
    }
    writeFileSync(
      `${root}bench/results/refusal-cpu.json`,
      `${JSON.stringify({ at: new Date().toISOString(), requests: REQUESTS, results }, null, 2)}\n`,
    );
  } finally {
    child.kill("SIGTERM");
  }
}

await main();
