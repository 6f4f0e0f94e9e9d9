/** Readers for the Prometheus rules and the Grafana dashboard, shared by the file checks and the metrics test. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const read = (file: string) => readFileSync(path.join(root, file), "utf8");

export const ALERTS_FILE = "docker/prometheus/alerts.yml";
export const DASHBOARD_FILE = "grafana/dashboards/coffee-shop-api.json";

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const file = parse(read(ALERTS_FILE)) as { groups: { rules: AlertRule[] }[] };
  return file.groups.flatMap((group) => group.rules);
}

export interface Target {
  refId: string;
  expr?: string;
  datasource?: { type: string; uid: string };
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: {
    list: { name: string; datasource?: { uid: string }; query: string | { query: string } }[];
  };
}

export function dashboard(): Dashboard {
  return JSON.parse(read(DASHBOARD_FILE)) as Dashboard;
}

/** Every PromQL expression of the dashboard, named for messages: panel targets and template variables. */
export function dashboardQueries(d: Dashboard = dashboard()): { where: string; expr: string }[] {
  const panels = d.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      where: `panel "${panel.title}" ${target.refId}`,
      expr: target.expr ?? "",
    })),
  );
  // label_values(<selector>, <label>): only the selector is PromQL.
  const variables = d.templating.list.map((variable) => ({
    where: `variable $${variable.name}`,
    expr: (typeof variable.query === "string" ? variable.query : variable.query.query).replace(
      /^label_values\((.*),\s*\w+\s*\)$/,
      "$1",
    ),
  }));
  return [...panels, ...variables];
}
