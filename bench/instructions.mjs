// `node bench/instructions.mjs [scenario...]`: instructions per request, counted by valgrind's callgrind (apt
// package valgrind). Unlike requests/s on a shared 2-core machine, a count repeats to a few percent whatever
// else the machine is doing, so it can tell a 10% change of the request path from noise. It counts user-space
// instructions of every thread of the server (the kernel's share of a request is not in it), and it is not
// time: a cache miss or a context switch costs far more than an instruction.
//
// Each scenario starts one server (production defaults, as in bench/run.mjs, on the coffee_bench database that
// `npm run bench` seeds) under callgrind with instrumentation off, warms it up with BENCH_INSTR_WARMUP (6000)
// requests so that V8 has compiled the hot code, then counts BENCH_INSTR_REQUESTS (2000). V8 still compiles
// during the counted requests under valgrind, so the count without its compiler threads is reported too: that
// is the figure to compare. Scenarios: ceiling (bench/ceiling.mjs, the warm menu's bytes), menu, menu-token,
// me, list (REST typeProducts/latte), detail (REST productDetail/latte001); default: ceiling menu list me.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { ensureBuild } from "../scripts/ensure-build.mjs";
import { freePort } from "./free-port.mjs";
import { gqlRequest, ME, MENU, productionEnv, signIn, untilHealthy } from "./scenarios.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const WARMUP = Number(process.env.BENCH_INSTR_WARMUP ?? 6000);
const REQUESTS = Number(process.env.BENCH_INSTR_REQUESTS ?? 2000);
const BODY_FILE = `${root}bench/results/.menu-response.json`;

const SCENARIOS = {
  ceiling: () => gqlRequest(MENU),
  menu: () => gqlRequest(MENU),
  "menu-token": (auth) => gqlRequest(MENU, auth),
  me: (auth) => gqlRequest(ME, auth),
  list: () => ({ method: "GET", path: "/products/typeProducts/latte" }),
  detail: () => ({ method: "GET", path: "/products/productDetail/latte001" }),
};

/** The instruction count of a callgrind output file, all of it and without V8's compilers. */
function counts(file) {
  const text = execFileSync("callgrind_annotate", ["--threshold=100", file], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const total = Number(/^\s*([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS/m.exec(text)[1].replaceAll(",", ""));
  let compiling = 0;
  for (const line of text.split("\n")) {
    const m = /^\s*([\d,]+) .*(compiler::|maglev|Maglev|baseline::|turboshaft)/.exec(line);
    if (m) compiling += Number(m[1].replaceAll(",", ""));
  }
  return { total, compiling };
}

async function measure(name) {
  const port = await freePort();
  const dir = `${os.tmpdir()}/coffee-instr-${process.pid}-${name}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const env = {
    ...productionEnv({ dbName: "coffee_bench", keyPrefix: `instr:${Date.now()}:` }),
    PORT: String(port),
    CEILING_BODY_FILE: BODY_FILE,
  };
  const script = name === "ceiling" ? `${root}bench/ceiling.mjs` : `${root}dist/main.js`;
  const child = spawn(
    "valgrind",
    [
      "--tool=callgrind",
      "--smc-check=all-non-file",
      "--instr-atstart=no",
      `--callgrind-out-file=${dir}/callgrind.out`,
      process.execPath,
      script,
    ],
    { env, stdio: ["ignore", "ignore", "ignore"] },
  );
  // callgrind_control finds the process by its user and HOST, which the server's environment sets.
  const control = (...args) =>
    execFileSync("callgrind_control", [...args, String(child.pid)], { env, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilHealthy(child, url, 300);
    const auth = ["me", "menu-token"].includes(name) ? await signIn(url) : {};
    const { path, ...request } = SCENARIOS[name](auth);
    const run = (amount) =>
      autocannon({ url: `${url}${path}`, connections: 10, amount, timeout: 60, ...request });
    await run(WARMUP);
    control("-i", "on");
    const result = await run(REQUESTS);
    control("-d");
    const dumps = readdirSync(dir).filter((f) => f.startsWith("callgrind.out"));
    const { total, compiling } = counts(`${dir}/${dumps.sort().at(-1)}`);
    const requests = result.requests.total;
    return {
      name,
      requests,
      errors: result.errors + result.non2xx,
      kInstructionsPerRequest: Math.round(total / requests / 1000),
      kInstructionsPerRequestWithoutCompiling: Math.round((total - compiling) / requests / 1000),
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

ensureBuild();
const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["ceiling", "menu", "list", "me"];
for (const name of names) if (!SCENARIOS[name]) throw new Error(`unknown scenario ${name}`);
if (names.includes("ceiling") && !existsSync(BODY_FILE)) {
  throw new Error("the ceiling serves the menu's bytes that `npm run bench` saves: run it once first");
}
const rows = [];
for (const name of names) {
  const row = await measure(name);
  rows.push(row);
  console.log(
    `${name.padEnd(12)} ${String(row.kInstructionsPerRequestWithoutCompiling).padStart(5)}k instructions/request ` +
      `without V8 compiling (${row.kInstructionsPerRequest}k in all), ${row.requests} requests, ${row.errors} errors`,
  );
}
const ceiling = rows.find((r) => r.name === "ceiling");
if (ceiling) {
  for (const row of rows.filter((r) => r !== ceiling)) {
    const ratio =
      ceiling.kInstructionsPerRequestWithoutCompiling / row.kInstructionsPerRequestWithoutCompiling;
    console.log(`${row.name}: the ceiling's instructions / its own = ${ratio.toFixed(2)}`);
  }
}
const out = `${root}bench/results/instructions-latest.json`;
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), warmup: WARMUP, rows }, null, 2)}\n`);
console.log(`wrote ${out.replace(root, "")}`);
