import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** A private redis-server on its own port that a test can kill, freeze and restart. */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly args: string[] = [],
  ) {}

  async start(): Promise<void> {
    this.child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...this.args],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let output = "";
    for await (const chunk of this.child.stdout!) {
      output += chunk;
      if (output.includes("Ready to accept connections")) return;
    }
    throw new Error(`redis-server did not start: ${output}`);
  }

  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.kill("SIGKILL");
    await exited;
  }

  /** Freezes the server: connections stay open, commands hang (a hung Redis, not a dead one). */
  freeze(): void {
    this.child?.kill("SIGSTOP");
  }

  thaw(): void {
    this.child?.kill("SIGCONT");
  }
}
