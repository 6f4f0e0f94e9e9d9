// Container health probe: exits 0 when the URL (default: this container's API /health) answers 200 within
// 4 s. Node's own fetch, because the slim image has neither curl nor wget.
const url = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT || 8000}/health`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4_000) });
  if (response.status !== 200) {
    console.error(`${url} answered ${response.status}: ${await response.text()}`);
    process.exit(1);
  }
} catch (err) {
  console.error(`${url}: ${err.message}`);
  process.exit(1);
}
