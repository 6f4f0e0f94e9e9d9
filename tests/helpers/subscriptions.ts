import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";

export interface OrderEvent {
  /** The global id: the same as over HTTP, so a client cache merges events into the objects it holds. */
  id: string;
  orderNo: string;
  status: string;
  total: string;
  updatedAt: string;
  items: { id: string }[];
}

export const ORDER_FIELDS = "id orderNo status total updatedAt items { id }";

/** A graphql-ws client on `url` that records how its socket closed. */
export function wsClient(url: string, token: string | undefined, options: { retry?: boolean } = {}) {
  const closes: { code: number; reason: string }[] = [];
  const client: Client = createClient({
    url,
    webSocketImpl: WebSocket,
    lazy: false,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
    retryAttempts: options.retry ? 20 : 0,
    retryWait: async () => new Promise((resolve) => setTimeout(resolve, 200)),
    shouldRetry: () => options.retry === true,
    onNonLazyError: () => {},
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        closes.push({ code, reason: String(reason) });
      },
    },
  });
  return { client, closes };
}

/** Subscribes and records every event and error; `stop()` completes it. */
export function record<T = OrderEvent>(client: Client, query: string, field: string) {
  const events: T[] = [];
  const errors: { message: string; extensions?: { code?: string } }[] = [];
  let completed = false;
  const stop = client.subscribe<Record<string, T>>(
    { query },
    {
      next: (result) => {
        if (result.errors) errors.push(...(result.errors as typeof errors));
        if (result.data) events.push(result.data[field]!);
      },
      error: (err) => {
        if (Array.isArray(err)) errors.push(...(err as typeof errors));
        else errors.push({ message: String((err as Error).message ?? err) });
      },
      complete: () => {
        completed = true;
      },
    },
  );
  return {
    events,
    errors,
    stop,
    get completed() {
      return completed;
    },
  };
}

/** A raw WebSocket speaking graphql-transport-ws, for what the client library would not send. */
export async function rawSocket(url: string): Promise<{ socket: WebSocket; closed: Promise<number> }> {
  const socket = new WebSocket(url, "graphql-transport-ws");
  const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  return { socket, closed };
}

/** The HTTP status of a refused upgrade. */
export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, "graphql-transport-ws");
    socket.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.on("open", () => {
      resolve(101);
      socket.close();
    });
    socket.on("error", () => {});
  });
}
