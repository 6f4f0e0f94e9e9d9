/**
 * The deployment files are well-formed and refer only to files, scripts and services that exist: what can be
 * checked without a Docker engine. docker-compose.yml is parsed as compose does (YAML with merge keys, `${}`
 * interpolation), docker/Dockerfile instruction by instruction, and nginx checks its own configs (`nginx -t`).
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { findNginx } from "../../scripts/cluster-lib.mjs";
import {
  COMPOSE_SITE_FILE,
  renderComposeSite,
  renderMainConfig,
  writeNginxConfig,
} from "../../scripts/nginx-config.mjs";
import { loadConfig } from "../../src/config.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const read = (file: string) => readFileSync(path.join(root, file), "utf8");
const exists = (file: string) => existsSync(path.join(root, file));

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string | string[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
}

const compose = parse(read("docker-compose.yml"), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const services = Object.entries(compose.services);
/** Services running the API image (built from docker/Dockerfile). */
const ownImage = services.filter(([, s]) => s.build);
/** The API replicas: the image's own command, dist/main.js. */
const replicas = ownImage.filter(([, s]) => !s.command);

/** Compose's interpolation with nothing set: `${X:-default}` is the default, `${X:?}` a marker. */
function interpolate(value: string): string {
  return value
    .replace(/\$\{(\w+):-([^}]*)\}/g, "$2")
    .replace(/\$\{(\w+):\?[^}]*\}/g, "<$1>")
    .replace(/\$\$/g, "$");
}

interface Instruction {
  stage: string;
  op: string;
  args: string;
}

/** Dockerfile instructions with continuation lines joined, each tagged with its build stage. */
function dockerfile(text: string): Instruction[] {
  let stage = "";
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const [, op, args] = /^(\w+)\s+(.*)$/.exec(line)!;
      if (op === "FROM") stage = / AS (\S+)$/i.exec(args)?.[1] ?? args;
      return { stage, op, args };
    });
}

const instructions = dockerfile(read("docker/Dockerfile"));
const finalStage = instructions.at(-1)!.stage;
const jsonArgs = (args: string) => JSON.parse(args.slice(args.indexOf("["))) as string[];

/** COPY instructions: sources (relative to the build context or a stage), destination under WORKDIR /app. */
const copies = instructions
  .filter((i) => i.op === "COPY")
  .map((i) => {
    const words = i.args.split(/\s+/);
    const from = words.find((w) => w.startsWith("--from="))?.slice("--from=".length);
    const paths = words.filter((w) => !w.startsWith("--"));
    return { stage: i.stage, from, sources: paths.slice(0, -1), dest: path.posix.normalize(paths.at(-1)!) };
  });

/** Files the final image has, relative to /app: each COPY destination. */
const inImage = (file: string) =>
  copies.some((c) => c.stage === finalStage && (file === c.dest || file.startsWith(`${c.dest}/`)));

/** dist/<x>.js is compiled from src/<x>.ts, so the source must exist. */
function expectCompiledEntry(file: string) {
  expect(file).toMatch(/^dist\/.+\.js$/);
  expect(exists(file.replace(/^dist\//, "src/").replace(/\.js$/, ".ts")), `${file} has no source`).toBe(true);
  expect(inImage("dist")).toBe(true);
}

/** The script a node command runs, in a command array or a `sh -c` string: every dist/*.js or *.mjs named. */
const nodeScripts = (command: string[]) => command.join(" ").match(/\S+\.(?:m?js)\b/g) ?? [];

// Binaries the healthchecks of third-party images call, as the images ship them; a new image needs an entry.
const IMAGE_BINARIES: Record<string, string[]> = {
  mysql: ["mysqladmin"],
  redis: ["redis-cli"],
  nginx: ["curl"],
  "prom/prometheus": ["wget"],
  "grafana/grafana": ["wget"],
};

const nginxBin = findNginx();
// Like the e2e test: without nginx its checks are skipped on a developer machine, and fail under CI=true.
const skipNginx = nginxBin === undefined && process.env.CI !== "true";

describe("docker-compose.yml", () => {
  it("builds from an existing context and Dockerfile", () => {
    expect(ownImage.map(([name]) => name).sort()).toEqual(["app1", "app2", "app3", "cdc", "migrate"]);
    for (const [, service] of ownImage) {
      expect(exists(service.build!.context)).toBe(true);
      expect(exists(path.join(service.build!.context, service.build!.dockerfile))).toBe(true);
    }
  });

  it("mounts only existing files and declared volumes", () => {
    for (const [name, service] of services) {
      for (const volume of service.volumes ?? []) {
        const [source, target, mode] = interpolate(volume).split(":");
        expect(target, `${name}: ${volume}`).toMatch(/^\//);
        expect([undefined, "ro", "rw"]).toContain(mode);
        if (/^[./]/.test(source)) expect(exists(source), `${name}: ${source} does not exist`).toBe(true);
        else expect(compose.volumes, `${name}: volume ${source} is not declared`).toHaveProperty(source);
      }
    }
  });

  it("reads .env, which is made from the committed .env.example and never committed itself", () => {
    const envFiles = services.flatMap(([, s]) => [s.env_file ?? []].flat());
    expect(new Set(envFiles)).toEqual(new Set([".env"]));
    expect(exists(".env.example")).toBe(true);
    expect(read(".gitignore").split("\n")).toContain(".env");
  });

  it("takes every secret from the environment, never from the file", () => {
    for (const [name, service] of services) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/PASSWORD|SECRET|_AUTH$/.test(key) && !/RANDOM/.test(key)) {
          expect(value, `${name}: ${key}`).toMatch(/^\$\{\w+:\?[^}]+\}$/);
        }
      }
    }
  });

  it("publishes well-formed ports, no host port twice, the monitoring UIs on loopback only", () => {
    const published = services.flatMap(([name, s]) =>
      (s.ports ?? []).map((port) => {
        const match = /^(?:(127\.0\.0\.1|0\.0\.0\.0):)?(\d+):(\d+)$/.exec(interpolate(port));
        expect(match, `${name}: ${port}`).not.toBeNull();
        const [, ip, host, container] = match!;
        for (const n of [host, container]) expect(Number(n)).toBeGreaterThan(0);
        for (const n of [host, container]) expect(Number(n)).toBeLessThan(65_536);
        return { name, ip, host };
      }),
    );
    expect(new Set(published.map((p) => p.host)).size).toBe(published.length);
    for (const p of published.filter((p) => ["prometheus", "grafana"].includes(p.name))) {
      expect(p.ip).toBe("127.0.0.1");
    }
  });

  it("runs node scripts that exist in the image", () => {
    for (const [name, service] of ownImage) {
      for (const script of nodeScripts(service.command ?? [])) {
        if (script.startsWith("dist/")) expectCompiledEntry(script);
        else expect(inImage(script), `${name}: ${script} is not in the image`).toBe(true);
      }
    }
  });

  it("health-checks with binaries that exist in each image", () => {
    for (const [name, service] of services) {
      const check = service.healthcheck;
      if (check?.disable) continue;
      if (!check) {
        // Only the API image has its own HEALTHCHECK.
        expect(service.build, `${name} has no health check`).toBeDefined();
        continue;
      }
      const [kind, ...command] = check.test!;
      expect(["CMD", "CMD-SHELL"]).toContain(kind);
      const binary = kind === "CMD" ? command[0] : command[0].split(/\s+/)[0];
      if (service.build) {
        expect(binary).toBe("node");
        for (const script of nodeScripts(command)) expect(inImage(script), `${name}: ${script}`).toBe(true);
      } else {
        const image = service.image!.replace(/:[^/]+$/, "");
        expect(IMAGE_BINARIES[image] ?? [], `${name}: ${binary} in ${image}?`).toContain(binary);
      }
    }
  });

  it("depends only on services that exist, in a state they can reach", () => {
    for (const [name, service] of services) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = compose.services[dependency];
        expect(target, `${name} depends on unknown ${dependency}`).toBeDefined();
        if (condition === "service_healthy") {
          expect(target.healthcheck?.disable, `${dependency} has no health check`).not.toBe(true);
          expect(target.healthcheck ?? target.build, `${dependency} has no health check`).toBeDefined();
        } else {
          expect(condition).toBe("service_completed_successfully");
          expect(target.restart).toBe("no");
        }
      }
    }
    for (const [name] of replicas) {
      expect(compose.services[name].depends_on?.migrate?.condition).toBe("service_completed_successfully");
      expect(compose.services[name].environment?.DB_MIGRATE_ON_START).toBe("false");
    }
  });

  it("sends nginx to every replica and Prometheus to every replica and the CDC worker, on their ports", () => {
    const upstream = [...read("docker/nginx/conf.d/coffee.conf").matchAll(/^\s*server (\S+):(\d+)\b/gm)].map(
      ([, host, port]) => `${host}:${port}`,
    );
    const replicaAddresses = replicas.map(([name, s]) => `${name}:${s.environment!.PORT}`);
    expect(upstream).toEqual(replicaAddresses);

    const prometheus = parse(read("docker/prometheus/prometheus.yml")) as {
      rule_files: string[];
      scrape_configs: {
        job_name: string;
        static_configs?: { targets: string[] }[];
        file_sd_configs?: { files: string[] }[];
      }[];
    };
    // Static targets, or the targets of the files beside prometheus.yml (the CDC workers' list).
    const targets = Object.fromEntries(
      prometheus.scrape_configs.map((job) => [
        job.job_name,
        [
          ...(job.static_configs ?? []),
          ...(job.file_sd_configs ?? []).flatMap(({ files }) =>
            files.flatMap((file) => parse(read(`docker/prometheus/${file}`)) as { targets: string[] }[]),
          ),
        ].flatMap((c) => c.targets),
      ]),
    );
    expect(targets.api).toEqual(replicaAddresses);
    expect(targets.cdc).toEqual([`cdc:${compose.services.cdc.environment!.CDC_METRICS_PORT}`]);
    for (const rules of prometheus.rule_files) expect(exists(`docker/prometheus/${rules}`)).toBe(true);
  });
});

describe("docker/Dockerfile", () => {
  const ignored = read(".dockerignore")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((pattern) => new RegExp(`^${pattern.replace(/\./g, "\\.").replace(/\*/g, "[^/]*")}(/|$)`));

  it("is multi-stage on node:20-bookworm-slim and runs as a non-root user", () => {
    const from = instructions.filter((i) => i.op === "FROM").map((i) => i.args);
    expect(from).toEqual(["node:20-bookworm-slim AS build", "node:20-bookworm-slim AS runtime"]);
    const users = instructions.filter((i) => i.stage === finalStage && i.op === "USER");
    expect(users.at(-1)?.args).toBe("node");
  });

  it("copies only sources that exist in the build context (not excluded by .dockerignore) or a stage", () => {
    const stages = new Set(instructions.map((i) => i.stage));
    for (const copy of copies) {
      if (copy.from) {
        expect(stages, `COPY --from=${copy.from}`).toContain(copy.from);
        continue;
      }
      for (const source of copy.sources) {
        expect(exists(source), `COPY ${source}: no such file`).toBe(true);
        expect(
          ignored.some((pattern) => pattern.test(source)),
          `COPY ${source}: excluded by .dockerignore`,
        ).toBe(false);
      }
    }
  });

  it("starts dist/main.js and health-checks with a script it contains", () => {
    const cmd = jsonArgs(instructions.filter((i) => i.op === "CMD").at(-1)!.args);
    expect(cmd).toEqual(["node", "dist/main.js"]);
    expectCompiledEntry(cmd[1]);
    const healthcheck = jsonArgs(instructions.find((i) => i.op === "HEALTHCHECK")!.args);
    expect(healthcheck[0]).toBe("node");
    expect(inImage(healthcheck[1]) && exists(healthcheck[1])).toBe(true);
  });

  it("contains every repository path the app resolves from dist/ at run time", () => {
    // `new URL("../x", import.meta.url)` in src/a/b.ts runs as dist/a/b.js: the path is relative to that.
    const DEV_ONLY = new Set(["schema/schema.graphql"]); // written by `npm run schema:emit`
    const sources = readdirSync(path.join(root, "src"), { recursive: true, encoding: "utf8" }).filter(
      (file) => file.endsWith(".ts") && !file.startsWith("generated"),
    );
    const resolved = sources.flatMap((file) =>
      [...read(`src/${file}`).matchAll(/new URL\("(\.\.\/[^"]+)", import\.meta\.url\)/g)].map(
        ([, relative]) => path.posix.join("dist", path.posix.dirname(file), relative),
      ),
    );
    expect(resolved).toContain("prisma/migrations");
    for (const file of resolved.filter((f) => !DEV_ONLY.has(f))) {
      expect(inImage(file), `${file} is read at run time but not copied into the image`).toBe(true);
    }
  });
});

describe("shell scripts the containers run", () => {
  it("are valid shell, and executable exactly when the image executes (not sources) them", () => {
    const executable = (file: string) => (statSync(path.join(root, file)).mode & 0o111) !== 0;
    // nginx's entrypoint runs executable /docker-entrypoint.d/*.sh; mysql's sources non-executable ones, which
    // is what gives them its docker_process_sql function.
    expect(executable("docker/nginx/self-signed-cert.sh")).toBe(true);
    for (const file of readdirSync(path.join(root, "docker/mysql/initdb.d"))) {
      expect(executable(`docker/mysql/initdb.d/${file}`), file).toBe(false);
    }
    for (const file of ["docker/nginx/self-signed-cert.sh", "docker/mysql/initdb.d/10-cdc-replication.sh"]) {
      expect(spawnSync("bash", ["-n", path.join(root, file)]).status, file).toBe(0);
    }
  });
});

describe("nginx config", () => {
  it("the compose variant is generated from the template (run `node scripts/nginx-config.mjs`)", () => {
    expect(readFileSync(COMPOSE_SITE_FILE, "utf8")).toBe(renderComposeSite());
  });

  it("refuses bodies over the app's default limit, no sooner and no later", () => {
    const [, size, unit] = /client_max_body_size (\d+)([km]?);/.exec(
      read("docker/nginx/coffee.conf.template"),
    )!;
    const bytes = Number(size) * { "": 1, k: 1024, m: 1024 * 1024 }[unit]!;
    expect(bytes).toBe(loadConfig({}).http.bodyLimitBytes);
  });
});

describe.skipIf(skipNginx)("nginx -t (needs nginx)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "coffee-nginx-t-"));
    mkdirSync(`${dir}/tmp`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const nginxTest = (config: string) => {
    if (!nginxBin) throw new Error("CI=true and nginx is not installed: apt-get install -y nginx");
    const result = spawnSync(nginxBin, ["-t", "-c", config, "-p", `${dir}/`], { encoding: "utf8" });
    expect(result.stderr).toContain("test is successful");
  };
  const certificate = () => {
    const made = spawnSync("sh", [path.join(root, "docker/nginx/self-signed-cert.sh")], {
      env: { ...process.env, TLS_CERT_DIR: dir },
    });
    expect(made.status).toBe(0);
    return { TLS_CERTIFICATE: `${dir}/tls.crt`, TLS_CERTIFICATE_KEY: `${dir}/tls.key` };
  };

  it("the local cluster's config passes nginx -t", () => {
    nginxTest(
      writeNginxConfig(dir, {
        UPSTREAM: ["127.0.0.1:8101", "127.0.0.1:8102", "127.0.0.1:8103"],
        RESOLVER: [],
        HTTP_PORT: "127.0.0.1:8080",
        HTTPS_PORT: "127.0.0.1:8443",
        ACCESS_LOG: `${dir}/access.log`,
        ...certificate(),
      }),
    );
  });

  it("the compose variant passes nginx -t, with this machine's hosts and paths substituted", () => {
    // What only exists inside the compose network and image is replaced: the replicas' names (which would
    // not resolve here), their `resolve` flag (nginx 1.27.3+; Debian 12 has 1.22), certificate and log paths.
    const { TLS_CERTIFICATE, TLS_CERTIFICATE_KEY } = certificate();
    const site = readFileSync(COMPOSE_SITE_FILE, "utf8")
      .replace(/server app(\d+):(\d+) resolve /g, "server 127.0.0.$1:$2 ")
      .replace("/etc/nginx/tls/tls.crt", TLS_CERTIFICATE)
      .replace("/etc/nginx/tls/tls.key", TLS_CERTIFICATE_KEY)
      .replace("/var/log/nginx/access.log", `${dir}/compose-access.log`);
    expect(site).not.toMatch(/app\d|\/etc\/nginx|\/var\/log/);
    const siteFile = `${dir}/compose-site.conf`;
    writeFileSync(siteFile, site);
    const config = `${dir}/compose-nginx.conf`;
    writeFileSync(config, renderMainConfig({ dir, siteFile }));
    nginxTest(config);
  });
});
