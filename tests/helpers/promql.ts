/**
 * Just enough PromQL to list the metrics an expression reads, so that tests can check that every alert and
 * dashboard panel points at series the processes really export.
 */

// Words that are operators or modifiers, not metric names (`inf` and `nan` are number literals).
const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "inf",
  "nan",
]);

/**
 * The metric names an expression selects: identifiers outside label matchers, label lists and strings that
 * are not function calls (followed by `(`), keywords or numbers. Names keep their suffix (`x_bucket`), which is
 * the series Prometheus stores for a histogram `x`.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ")
    .replace(/#.*$/gm, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, " ")
    .replace(/\$\{[^}]*\}|\$\w+/g, " ");
  const names = new Set<string>();
  for (const [, number, name, call] of bare.matchAll(
    /((?:\d*\.)?\d+(?:[eE][+-]?\d+)?[A-Za-z]*)|([A-Za-z_:][\w:]*)(\s*\()?/g,
  )) {
    if (number || call || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/**
 * The names that have at least one sample line in Prometheus' text format (`name{...} value` or `name value`):
 * for a histogram `x` these are `x_bucket`, `x_sum` and `x_count`, never `x` itself.
 */
export function sampleNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split("\n")) {
    if (line && !line.startsWith("#")) names.add(/^[^{ ]+/.exec(line)![0]);
  }
  return names;
}
