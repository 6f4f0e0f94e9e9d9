// What the load suites ask the server (bench/run.mjs, bench/instructions.mjs) and how they start it.

export const MENU =
  "{ categories { type name products { pid name price options { kind label choices { value priceDelta isDefault } } } } }";
export const PRODUCT =
  'query { product(pid: "latte001") { pid name price smallImage options { kind choices { value priceDelta } } } }';
export const ME = "{ me { id username nickName avatarUrl vip } }";
export const CART =
  "{ me { cart { total items { id quantity unitPrice lineTotal product { pid name } options { kind value } } } } }";
export const MY_ORDERS =
  "{ myOrders(first: 10) { edges { node { orderNo status total createdAt items { name quantity lineTotal } } } } }";
export const USER = { username: "bench_user", password: "bench-pass-123" };

export const json = (query, variables) => JSON.stringify({ query, variables });
export const gqlRequest = (query, headers = {}) => ({
  method: "POST",
  path: "/graphql",
  headers: { "content-type": "application/json", ...headers },
  body: json(query),
});

/** The server's environment in a bench: production defaults, only the per-IP limits lifted. */
export const productionEnv = ({ dbName, keyPrefix }) => ({
  ...process.env,
  ENVIRONMENT: "production",
  NODE_ENV: "production",
  SECRET_KEY: "bench-secret-key-that-is-long-enough-for-production",
  HOST: "127.0.0.1",
  DB_NAME: dbName,
  DATABASE_URL: "",
  REDIS_KEY_PREFIX: keyPrefix,
  // One client from one address: the per-IP limits would measure the limiter, not the service.
  RATE_LIMIT_REQUESTS_PER_IP: "10000000",
  RATE_LIMIT_REGISTER_PER_IP: "10000000",
  RATE_LIMIT_LOGIN_PER_IP: "10000000",
  RATE_LIMIT_LOGIN_PER_USERNAME: "10000000",
});

/** Registers the bench's customer (once per database) and signs in: the token's Authorization header. */
export async function signIn(url) {
  const mutation = (name) =>
    fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: json(
        `mutation($u: String!, $p: String!) { ${name}(input: { username: $u, password: $p }) { token } }`,
        { u: USER.username, p: USER.password },
      ),
    }).then((r) => r.json());
  await mutation("register");
  const login = await mutation("login");
  return { authorization: `Bearer ${login.data.login.token}` };
}

/** Waits until the server `child` started answers /health at `url` (at most `seconds`); throws if it exits. */
export async function untilHealthy(child, url, seconds) {
  for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    if (
      await fetch(`${url}/health`).then(
        (r) => r.status < 500,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server did not answer /health within ${seconds} s`);
}
