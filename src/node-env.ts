// Imported first by the entry point, before graphql loads: with NODE_ENV=production graphql-js skips its
// development-only checks (a cross-realm test on every `instanceof`, a large share of execution time), as the
// Docker image already ensures. ENVIRONMENT=production implies it when NODE_ENV is not set.
if (process.env.ENVIRONMENT?.trim().toLowerCase() === "production") process.env.NODE_ENV ??= "production";
