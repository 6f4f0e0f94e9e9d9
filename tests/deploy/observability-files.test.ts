/**
 * The Prometheus configuration, alert rules and Grafana provisioning are valid and consistent with each other:
 * promtool checks the config and rules and runs the rule unit tests (alerts.test.yml); the dashboard is checked
 * structurally (no Grafana binary here). tests/integration/metrics.test.ts checks that the metrics they name
 * are really exported.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  ALERTS_FILE,
  alertRules,
  dashboard,
  dashboardQueries,
  read,
  root,
} from "../helpers/observability-files.js";
import { metricNames } from "../helpers/promql.js";

const PROMETHEUS_FILE = "docker/prometheus/prometheus.yml";
const ALERT_TESTS_FILE = "docker/prometheus/alerts.test.yml";

/** The alerts the Observability issue asks for; alerts.yml may add more. */
const REQUIRED_ALERTS = [
  "ApiReplicaDown",
  "ApiErrorRatioHigh",
  "ReplicaErrorRatioHigh",
  "ApiLatencyP95High",
  "DatabasePoolSaturated",
  "RedisDown",
  "ProcessMemoryHigh",
  "ProcessCpuHigh",
  "CdcWorkerDown",
  "CdcBinlogDisconnected",
  "CdcLagHigh",
  "CdcNoLeaseHolder",
  "MysqlReplicaLagHigh",
  "MysqlReplicaOutOfRotation",
];

const promtoolMissing = spawnSync("promtool", ["--version"]).error
  ? "promtool is not on PATH (apt-get install -y prometheus)"
  : undefined;

function promtool(...args: string[]): void {
  if (promtoolMissing) throw new Error(promtoolMissing);
  const result = spawnSync("promtool", args, { cwd: root, encoding: "utf8" });
  expect(result.status, `promtool ${args.join(" ")}:\n${result.stdout}${result.stderr}`).toBe(0);
}

// CI must run these; a developer machine without promtool skips them and says why.
describe.skipIf(promtoolMissing !== undefined && process.env.CI !== "true")(
  `promtool${promtoolMissing ? ` (skipped: ${promtoolMissing})` : ""}`,
  () => {
    // Rule files are resolved relative to the config file, as in the container (/etc/prometheus/).
    it("accepts prometheus.yml and the rule files it names", () =>
      promtool("check", "config", PROMETHEUS_FILE));
    it("accepts alerts.yml", () => promtool("check", "rules", ALERTS_FILE));
    it("passes the alert unit tests", () => promtool("test", "rules", ALERT_TESTS_FILE));

    // Each query as a recording rule, Grafana's variables given values, so that promtool parses them all.
    it("parses every dashboard query", () => {
      const rules = dashboardQueries().map(({ expr }, i) => ({
        record: `dashboard:query_${i}`,
        expr: expr.replaceAll("$__rate_interval", "1m").replaceAll("$replica", ".*"),
      }));
      const dir = mkdtempSync(path.join(tmpdir(), "dashboard-rules-"));
      try {
        const file = path.join(dir, "rules.yml");
        writeFileSync(file, stringify({ groups: [{ name: "dashboard", rules }] }));
        promtool("check", "rules", file);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

describe("docker/prometheus", () => {
  it("scrapes each replica with its `replica` label, and the CDC workers (two in the scale overlay)", () => {
    const config = parse(read(PROMETHEUS_FILE)) as {
      rule_files: string[];
      scrape_configs: {
        job_name: string;
        static_configs: { targets: string[]; labels?: Record<string, string> }[];
        file_sd_configs?: { files: string[] }[];
      }[];
    };
    expect(config.rule_files).toEqual(["alerts.yml"]);
    const job = (name: string) => config.scrape_configs.find((j) => j.job_name === name)!.static_configs;
    const replicas = job("api").flatMap((group) =>
      group.targets.map((target) => [target, group.labels?.replica]),
    );
    expect(replicas).toEqual([
      ["app1:8000", "app1"],
      ["app2:8000", "app2"],
      ["app3:8000", "app3"],
    ]);
    // The workers' list is a file beside the config; the scale overlay mounts its own over it.
    const cdc = config.scrape_configs.find((j) => j.job_name === "cdc")!;
    expect(cdc.file_sd_configs).toEqual([{ files: ["cdc-workers.yml"] }]);
    type Groups = { targets: string[]; labels: { worker: string } }[];
    const workers = (file: string) =>
      (parse(read(file)) as Groups).flatMap((g) => g.targets.map((t) => [t, g.labels.worker]));
    expect(workers("docker/prometheus/cdc-workers.yml")).toEqual([["cdc:9465", "cdc"]]);
    expect(workers("docker/prometheus/cdc-workers.scale.yml")).toEqual([
      ["cdc:9465", "cdc"],
      ["cdc2:9465", "cdc2"],
    ]);
    const mounts = (file: string) =>
      (parse(read(file), { merge: true }) as { services: { prometheus: { volumes: string[] } } }).services
        .prometheus.volumes;
    expect(mounts("docker-compose.yml")).toContain(
      "./docker/prometheus/cdc-workers.yml:/etc/prometheus/cdc-workers.yml:ro",
    );
    expect(mounts("docker-compose.scale.yml")).toEqual([
      "./docker/prometheus/cdc-workers.scale.yml:/etc/prometheus/cdc-workers.yml:ro",
    ]);
    // Every service the scale overlay scrapes is one of its CDC workers.
    const scale = parse(read("docker-compose.scale.yml"), { merge: true }) as {
      services: Record<string, unknown>;
    };
    for (const [target] of workers("docker/prometheus/cdc-workers.scale.yml")) {
      expect(Object.keys(scale.services)).toContain(target.split(":")[0]);
    }
  });

  it("has every required alert, with a severity, a `for`, and annotations that quote the value", () => {
    const rules = new Map(alertRules().map((rule) => [rule.alert, rule]));
    for (const name of REQUIRED_ALERTS) {
      const rule = rules.get(name);
      expect(rule, name).toBeDefined();
      expect(["critical", "warning"], name).toContain(rule!.labels?.severity);
      expect(rule!.for, name).toMatch(/^\d+[smh]$/);
      expect(rule!.annotations?.summary, name).toBeTruthy();
      expect(rule!.annotations?.description, name).toContain("$value");
    }
  });

  it("has a firing unit test for every alert", () => {
    const tests = parse(read(ALERT_TESTS_FILE)) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const fired = new Set(
      tests.tests.flatMap((t) => (t.alert_rule_test ?? []).filter((c) => c.exp_alerts.length > 0)),
    );
    expect(new Set([...fired].map((c) => c.alertname))).toEqual(new Set(alertRules().map((r) => r.alert)));
  });
});

describe("grafana", () => {
  const datasources = parse(read("grafana/provisioning/datasources/prometheus.yml")) as {
    datasources: { uid: string; type: string; url: string }[];
  };
  const prometheus = datasources.datasources.find((ds) => ds.type === "prometheus")!;
  const d = dashboard();

  it("provisions Prometheus under a fixed uid, and loads dashboards from where compose mounts them", () => {
    expect(prometheus).toMatchObject({ uid: "prometheus", url: "http://prometheus:9090" });
    const providers = parse(read("grafana/provisioning/dashboards/dashboards.yml")) as {
      providers: { type: string; options: { path: string } }[];
    };
    const compose = parse(read("docker-compose.yml"), { merge: true }) as {
      services: { grafana: { volumes: string[] } };
    };
    const mounted = compose.services.grafana.volumes
      .map((volume) => volume.split(":"))
      .find(([source]) => source === "./grafana/dashboards")?.[1];
    expect(providers.providers.map((p) => [p.type, p.options.path])).toEqual([["file", mounted]]);
  });

  it("is the coffee-shop-api dashboard with unique panel ids on a 24-column grid", () => {
    expect(d.uid).toBe("coffee-shop-api");
    expect(d.schemaVersion).toBeGreaterThanOrEqual(39);
    const ids = d.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { title, gridPos } of d.panels) {
      expect(gridPos.x + gridPos.w, title).toBeLessThanOrEqual(24);
    }
  });

  it("queries the provisioned data source with a PromQL expression in every panel", () => {
    const queryPanels = d.panels.filter((panel) => panel.type !== "row");
    expect(queryPanels.length).toBeGreaterThan(0);
    for (const panel of queryPanels) {
      expect(["timeseries", "stat"], panel.title).toContain(panel.type);
      expect(panel.datasource?.uid, panel.title).toBe(prometheus.uid);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) {
        expect(target.datasource?.uid, `${panel.title} ${target.refId}`).toBe(prometheus.uid);
        expect(target.expr?.trim(), `${panel.title} ${target.refId}`).toBeTruthy();
      }
    }
  });

  it("filters every per-replica selector by a `replica` variable fed from the provisioned data source", () => {
    const replica = d.templating.list.find((variable) => variable.name === "replica");
    expect(replica?.datasource?.uid).toBe(prometheus.uid);
    const selectors = dashboardQueries(d)
      .filter(({ where }) => where.startsWith("panel"))
      .flatMap(({ where, expr }) =>
        [...expr.matchAll(/(\w+)\{([^}]*)\}/g)].map(([, name, matchers]) => ({ where, name, matchers })),
      );
    // active_users is one count for the whole cluster (kept in Redis), whichever replica reports it.
    const perReplica = selectors.filter((s) => /job=~?"api/.test(s.matchers) && s.name !== "active_users");
    expect(perReplica.length).toBeGreaterThan(0);
    for (const { where, name, matchers } of perReplica) {
      expect(matchers, `${where}: ${name}`).toContain('replica=~"$replica"');
    }
  });
});

describe("metricNames", () => {
  it("takes metric names, not functions, keywords, label names, durations or variables", () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{job="api", replica=~"$replica"}[$__rate_interval]))) > 1',
      ),
    ).toEqual(["http_request_duration_seconds_bucket"]);
    expect(
      metricNames(
        'db_pool_connections{state="in_use"} / ignoring (state) db_pool_connections{state="max"} > 0.9',
      ),
    ).toEqual(["db_pool_connections"]);
    expect(
      metricNames(
        "cdc_lag_seconds > 30 and changes(cdc_last_event_timestamp_seconds[2m]) > 0 or vector(0) offset 5m",
      ),
    ).toEqual(["cdc_lag_seconds", "cdc_last_event_timestamp_seconds"]);
    expect(metricNames("60 * sum without (instance) (rate(logins_total[1m])) > bool 1e3")).toEqual([
      "logins_total",
    ]);
  });
});
