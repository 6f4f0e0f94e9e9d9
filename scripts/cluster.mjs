// `npm run cluster`: three API replicas behind nginx on this machine, configured like the compose deployment
// (docker/nginx/coffee.conf.template), until Ctrl-C. Needs MariaDB, Redis and Debian's nginx; the replicas
// share the database and Redis named by the usual variables (.env.example) and apply migrations at start.
// Ports: CLUSTER_HTTP_PORT (8080), CLUSTER_HTTPS_PORT (8443), CLUSTER_APP_PORTS (8101,8102,8103: one replica
// each). Logs, the rendered nginx.conf and the self-signed certificate go to .cluster/.
import { fileURLToPath } from "node:url";
import { startCluster } from "./cluster-lib.mjs";
import { ensureBuild } from "./ensure-build.mjs";

const dir = fileURLToPath(new URL("../.cluster", import.meta.url));
const port = (name, fallback) => Number(process.env[name] || fallback);
const appPorts = (process.env.CLUSTER_APP_PORTS || "8101,8102,8103").split(",").map(Number);

ensureBuild();
console.log(`starting ${appPorts.length} replicas and nginx (logs in ${dir})`);
const cluster = await startCluster({
  dir,
  appPorts,
  httpPort: port("CLUSTER_HTTP_PORT", 8080),
  httpsPort: port("CLUSTER_HTTPS_PORT", 8443),
  log: (message) => console.log(message),
}).catch((err) => {
  console.error(err.message);
  process.exit(1);
});

console.log(`
  ${cluster.httpUrl}/graphql
  ${cluster.httpsUrl}/graphql   (self-signed: curl --cacert ${cluster.certificate})
  replicas: ${cluster.replicas.map((r) => `app${r.index} ${r.url}`).join(", ")}
  nginx access log (JSON, with the replica of each request): ${cluster.accessLog}
Ctrl-C stops nginx, then drains the replicas.`);

let stopping = false;
const stop = async (signal) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  process.exit((await cluster.stop()) ? 0 : 1);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
