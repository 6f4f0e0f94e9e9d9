// Renders the bench results as an SVG bar chart: requests/s per scenario, labelled with the ratio to the
// ceiling; the argon2-bound login in its own colour, since it measures hashing, not the service.

const escape = (text) =>
  String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

export function renderChart(result) {
  const rows = result.scenarios;
  const width = 960;
  const labelWidth = 360;
  const barArea = width - labelWidth - 270;
  const rowHeight = 30;
  const top = 56;
  const height = top + rows.length * rowHeight + 40;
  const max = Math.max(...rows.map((r) => r.requestsPerSecond));
  const colour = (row) =>
    row.name.startsWith("ceiling") ? "#8c8c8c" : row.group === "argon2" ? "#d9822b" : "#3a6ea5";
  const bars = rows
    .map((row, i) => {
      const y = top + i * rowHeight;
      const w = Math.max(1, Math.round((row.requestsPerSecond / max) * barArea));
      return [
        `<text x="${labelWidth - 8}" y="${y + 19}" text-anchor="end">${escape(row.name)}</text>`,
        `<rect x="${labelWidth}" y="${y + 6}" width="${w}" height="${rowHeight - 10}" fill="${colour(row)}"/>`,
        `<text x="${labelWidth + w + 6}" y="${y + 19}">${row.requestsPerSecond} req/s · ${row.ratioToCeiling}× ceiling · p99 ${row.p99Ms} ms</text>`,
      ].join("");
    })
    .join("\n");
  const m = result.machine;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="white"/>
<text x="16" y="24" font-size="16" font-weight="bold">Coffee-shop API: requests per second (${escape(result.date.slice(0, 10))})</text>
<text x="16" y="42" fill="#555">${escape(`${m.cores} × ${m.cpu}, Node ${m.node}; ${result.settings.connections} connections, ${result.settings.durationSeconds} s per scenario; ${m.note}`)}</text>
${bars}
</svg>
`;
}
