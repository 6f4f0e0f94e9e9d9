/**
 * docker-compose.redis-sentinel.yml, checked without a Docker engine as tests/unit/deploy-files.test.ts checks
 * the base file: parsed as compose does (YAML with merge keys), laid over docker-compose.yml the way compose
 * merges an overlay (maps merged, scalars and lists replaced), and the result read by the app's own config.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[] };
}
type Compose = { services: Record<string, Service> };

const base = parse(read("docker-compose.yml"), { merge: true }) as Compose;
const overlay = parse(read("docker-compose.redis-sentinel.yml"), { merge: true }) as Compose;

/** Compose's overlay merge: mappings merge key by key, anything else is replaced. */
function merge<T>(a: T, b: T): T {
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>))
      out[k] = k in out ? merge(out[k], v) : v;
    return out as T;
  }
  return b ?? a;
}
const merged = merge(base, overlay);
const services = merged.services;

/** Compose's interpolation with nothing set: `${X:-default}` is the default, `${X:?}` a marker. */
const interpolate = (value: string) =>
  value.replace(/\$\{(\w+):-([^}]*)\}/g, "$2").replace(/\$\{(\w+):\?[^}]*\}/g, "<$1>");

const commandText = (s: Service) => (Array.isArray(s.command) ? s.command.join(" ") : (s.command ?? ""));
const sentinels = Object.entries(services).filter(([, s]) => commandText(s).includes("--sentinel"));

describe("docker-compose.redis-sentinel.yml", () => {
  it("only adds to or changes services of the base file, plus the Redis replica and sentinels", () => {
    const added = Object.keys(overlay.services).filter((name) => !(name in base.services));
    expect(added.sort()).toEqual([
      "redis-replica",
      "redis-sentinel-1",
      "redis-sentinel-2",
      "redis-sentinel-3",
    ]);
  });

  it("runs one primary and one replica of it, and three sentinels monitoring that primary with quorum 2", () => {
    expect(commandText(services.redis)).not.toContain("--replicaof");
    expect(commandText(services["redis-replica"])).toContain("--replicaof redis 6379");
    expect(sentinels).toHaveLength(3);
    for (const [, s] of sentinels) {
      expect(commandText(s)).toContain("sentinel monitor coffee redis 6379 2");
      expect(commandText(s)).toContain("sentinel resolve-hostnames yes");
      expect(commandText(s)).toContain('"sentinel auth-pass coffee $$REDISCLI_AUTH"');
      expect(s.healthcheck?.test?.join(" ")).toContain("-p 26379 ping");
    }
  });

  it("points every process of the app image at the sentinels, and the config reads it as Sentinel mode", () => {
    const appImage = Object.entries(services).filter(([, s]) => s.build && s.command === undefined);
    expect(appImage.map(([name]) => name).sort()).toEqual(["app1", "app2", "app3"]);
    for (const [name, s] of [...appImage, ["cdc", services.cdc] as const]) {
      const env = Object.fromEntries(
        Object.entries(s.environment!).map(([k, v]) => [k, interpolate(String(v))]),
      );
      const { redis } = loadConfig({ ...env, SECRET_KEY: "x".repeat(40), ENVIRONMENT: "development" });
      expect(redis.mode, name).toEqual({
        kind: "sentinel",
        name: "coffee",
        sentinels: sentinels.map(([host]) => ({ host, port: 26379 })),
        sentinelPassword: "<REDIS_PASSWORD>",
      });
      expect(redis.password, name).toBe("<REDIS_PASSWORD>");
      for (const [host] of sentinels) expect(s.depends_on?.[host]?.condition, name).toBe("service_healthy");
    }
  });

  it("depends only on services that exist", () => {
    for (const [name, s] of Object.entries(services)) {
      for (const dependency of Object.keys(s.depends_on ?? {}))
        expect(services, name).toHaveProperty(dependency);
    }
  });
});
