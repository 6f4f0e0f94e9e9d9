// A local cluster: API replicas (`node dist/main.js`, one port each) behind Debian's nginx, configured from
// docker/nginx/coffee.conf.template like the compose deployment. `npm run cluster` runs one; the e2e test
// (tests/e2e/cluster.test.ts) runs its own with its own ports, database and Redis prefix.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { writeNginxConfig } from "./nginx-config.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const STOP_GRACE_MS = 15_000;

/** The nginx binary, or undefined when it is not installed (Debian's is in /usr/sbin, outside a user's PATH). */
export function findNginx() {
  return ["nginx", "/usr/sbin/nginx"].find((bin) => spawnSync(bin, ["-v"], { stdio: "ignore" }).status === 0);
}

function tail(file, lines = 20) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function answers200(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** A child process with its output appended to a log file; it can be started again after it stopped. */
class Service {
  constructor(name, logFile) {
    this.name = name;
    this.logFile = logFile;
    this.run = undefined; // { child, expected: whether we asked it to exit, exited: Promise<{ code, signal }> }
  }

  get running() {
    return this.run !== undefined && this.run.child.exitCode === null && this.run.child.signalCode === null;
  }

  spawn(command, args, env, onUnexpectedExit) {
    const fd = openSync(this.logFile, "a");
    let child;
    try {
      // Own process group: a terminal's Ctrl-C reaches only the cluster script, which stops nginx first and
      // then drains the replicas, instead of every process at once.
      child = spawn(command, args, { cwd: root, env, stdio: ["ignore", fd, fd], detached: true });
    } finally {
      closeSync(fd);
    }
    const run = { child, expected: false };
    run.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        if (!run.expected) onUnexpectedExit(`${this.name} exited (${signal ?? `code ${code}`})`);
        resolve({ code, signal });
      });
    });
    this.run = run;
  }

  /** Waits until `url` answers 200; throws with the log's tail if the process exits or time runs out. */
  async waitFor(url, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited while starting:\n${tail(this.logFile)}`);
      if (await answers200(url)) return;
      await sleep(100);
    }
    throw new Error(`${this.name}: ${url} did not answer 200 within ${timeoutMs} ms:\n${tail(this.logFile)}`);
  }

  /** Delivers `signal` (default SIGKILL: no drain) without waiting. */
  kill(signal = "SIGKILL") {
    if (!this.running) return;
    this.run.expected = true;
    this.run.child.kill(signal);
  }

  /**
   * Sends `signal`, waits for the exit and resolves to its code; SIGKILL after `graceMs` (code null then).
   * Resolves to undefined when the process was not running.
   */
  async stop(signal, graceMs = STOP_GRACE_MS) {
    if (!this.running) return undefined;
    const { child, exited } = this.run;
    this.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    const { code } = await exited;
    clearTimeout(timer);
    return code;
  }
}

export class Replica extends Service {
  constructor({ index, port, dir, env, log }) {
    super(`app${index}`, `${dir}/app${index}.log`);
    this.index = index;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.env = { ...env, HOST: "127.0.0.1", PORT: String(port) };
    this.log = log;
  }

  /** Starts `node dist/main.js` and waits until its /health answers 200. */
  async start(timeoutMs = 60_000) {
    this.spawn(process.execPath, ["dist/main.js"], this.env, this.log);
    await this.waitFor(`${this.url}/health`, timeoutMs);
  }

  /** The replica's JSON log lines (pino), across restarts. */
  logEntries() {
    return readFileSync(this.logFile, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
  }
}

/**
 * Starts the replicas on `appPorts` and nginx on `httpPort`/`httpsPort` (a self-signed certificate for
 * localhost/127.0.0.1 is made in `dir` if there is none), and resolves once /health answers through nginx.
 * Every process started is stopped again if a later one fails.
 */
export async function startCluster({ dir, appPorts, httpPort, httpsPort, env = {}, log = () => {} }) {
  const nginxBin = findNginx();
  if (!nginxBin) throw new Error("nginx is not installed (Debian: apt-get install -y nginx)");
  mkdirSync(dir, { recursive: true });
  execFileSync("sh", [`${root}docker/nginx/self-signed-cert.sh`], {
    env: { ...process.env, TLS_CERT_DIR: dir },
    stdio: ["ignore", "ignore", "inherit"],
  });

  const httpUrl = `http://127.0.0.1:${httpPort}`;
  // As behind the compose nginx: image URLs point at nginx, and client addresses come from X-Forwarded-For.
  const replicaEnv = {
    ...process.env,
    PUBLIC_BASE_URL: `http://localhost:${httpPort}/`,
    TRUST_PROXY: "127.0.0.1",
    ...env,
  };
  const replicas = appPorts.map((port, i) => new Replica({ index: i + 1, port, dir, env: replicaEnv, log }));
  const nginx = new Service("nginx", `${dir}/nginx-error.log`);
  const onExit = () => [nginx, ...replicas].forEach((service) => service.kill());
  process.once("exit", onExit);

  const cluster = {
    dir,
    replicas,
    httpUrl,
    httpsUrl: `https://127.0.0.1:${httpsPort}`,
    certificate: `${dir}/tls.crt`,
    accessLog: `${dir}/access.log`,
    /** nginx first (it finishes its requests), then the replicas drain; true when all exited cleanly. */
    async stop() {
      const nginxCode = await nginx.stop("SIGQUIT");
      const codes = await Promise.all(replicas.map((replica) => replica.stop("SIGTERM")));
      process.removeListener("exit", onExit);
      return [nginxCode, ...codes].every((code) => code === undefined || code === 0);
    },
  };

  try {
    // All at once, as a deployment starts them; wait for every one before deciding, so none is left starting.
    const started = await Promise.allSettled(replicas.map((replica) => replica.start()));
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    const config = writeNginxConfig(dir, {
      UPSTREAM: appPorts.map((port) => `127.0.0.1:${port}`),
      RESOLVER: [],
      HTTP_PORT: `127.0.0.1:${httpPort}`,
      HTTPS_PORT: `127.0.0.1:${httpsPort}`,
      TLS_CERTIFICATE: cluster.certificate,
      TLS_CERTIFICATE_KEY: `${dir}/tls.key`,
      ACCESS_LOG: cluster.accessLog,
    });
    nginx.spawn(nginxBin, ["-c", config, "-p", `${dir}/`], process.env, log);
    await nginx.waitFor(`${httpUrl}/health`, 10_000);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
