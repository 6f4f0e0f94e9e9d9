// Types of cluster-lib.mjs for the TypeScript tests.

export function findNginx(): string | undefined;

export declare class Replica {
  readonly index: number;
  readonly port: number;
  readonly url: string;
  readonly logFile: string;
  readonly running: boolean;
  /** Starts `node dist/main.js` (again) and waits until /health answers 200. */
  start(timeoutMs?: number): Promise<void>;
  /** Delivers `signal` (default SIGKILL) without waiting. */
  kill(signal?: NodeJS.Signals): void;
  /** Sends `signal` and resolves to the exit code once it exited (undefined: it was not running). */
  stop(signal: NodeJS.Signals, graceMs?: number): Promise<number | null | undefined>;
  /** The replica's JSON log lines, across restarts. */
  logEntries(): Record<string, unknown>[];
}

export interface ClusterOptions {
  dir: string;
  appPorts: number[];
  httpPort: number;
  httpsPort: number;
  /** Added to the replicas' environment (DB_NAME, REDIS_KEY_PREFIX, ...). */
  env?: Record<string, string>;
  /** Told when a process exits that was not asked to. */
  log?: (message: string) => void;
}

export interface Cluster {
  dir: string;
  replicas: Replica[];
  httpUrl: string;
  httpsUrl: string;
  /** Path of the self-signed certificate (PEM) nginx serves. */
  certificate: string;
  accessLog: string;
  /** Stops nginx, then drains the replicas; true when every process exited with code 0. */
  stop(): Promise<boolean>;
}

export function startCluster(options: ClusterOptions): Promise<Cluster>;
