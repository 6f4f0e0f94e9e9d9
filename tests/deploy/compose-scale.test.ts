/**
 * docker-compose.scale.yml (MySQL replica and two CDC workers over docker-compose.yml) checked without a Docker
 * engine: the replica writes the row binlog a CDC worker can follow, the app replicas and workers point at
 * services that exist, every secret comes from the environment and the two workers have distinct server ids.
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
  command?: string[];
  environment?: Record<string, string>;
  extends?: { file: string; service: string };
  depends_on?: Record<string, { condition: string }>;
}
const base = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, Service> };
const overlay = parse(read("docker-compose.scale.yml"), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const withDefaults = (value: string) => value.replace(/\$\{(\w+):-([^}]*)\}/g, "$2");

describe("docker-compose.scale.yml", () => {
  it("adds a replica that replicates the primary by GTID and logs what it applies in ROW format", () => {
    const replica = overlay.services["mysql-replica"]!;
    expect(replica.environment!.MARIADB_MASTER_HOST).toBe("mysql");
    expect(replica.command).toEqual(
      expect.arrayContaining(["--log-slave-updates", "--binlog-format=ROW", "--binlog-row-image=FULL"]),
    );
    expect(replica.depends_on?.mysql?.condition).toBe("service_healthy");
    const serverIds = ["mysql", "mysql-replica"].map((s) =>
      overlay.services[s]!.command!.find((c) => c.startsWith("--server-id=")),
    );
    expect(new Set(serverIds).size).toBe(2);
  });

  it("points every API replica and CDC worker at the replica, with settings the app accepts", () => {
    for (const name of ["app1", "app2", "app3", "cdc", "cdc2"]) {
      const env = overlay.services[name]!.environment!;
      const url = withDefaults(env.DATABASE_REPLICA_URLS!);
      expect(new URL(url).hostname, name).toBe("mysql-replica");
      const config = loadConfig({ DB_NAME: "coffee_shop", DATABASE_REPLICA_URLS: url });
      expect(config.replicas.endpoints).toHaveLength(1);
    }
    for (const name of ["app1", "app2", "app3", "cdc"]) expect(base.services).toHaveProperty(name);
  });

  it("runs two CDC workers with distinct server ids", () => {
    expect(overlay.services.cdc2!.extends).toEqual({ file: "docker-compose.yml", service: "cdc" });
    const ids = ["cdc", "cdc2"].map((s) => withDefaults(overlay.services[s]!.environment!.CDC_SERVER_ID!));
    expect(new Set(ids).size).toBe(2);
  });

  it("takes every secret from the environment and declares its volumes", () => {
    for (const [name, service] of Object.entries(overlay.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/PASSWORD|SECRET/.test(key) && !/RANDOM/.test(key)) {
          expect(value, `${name}: ${key}`).toMatch(/^\$\{\w+:\?[^}]+\}$/);
        }
      }
    }
    expect(Object.keys(overlay.volumes)).toEqual(["mariadb-data", "mariadb-replica-data"]);
  });
});
