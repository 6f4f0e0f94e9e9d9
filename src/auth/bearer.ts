/**
 * Reads `Authorization: Bearer <token>` (scheme case-insensitive). `undefined`: no credentials (no header, or
 * another scheme); `""`: a Bearer header without a token, which callers treat as an invalid token.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^\s*(\S+)(?:\s+(.*))?$/.exec(header);
  if (!match || match[1].toLowerCase() !== "bearer") return undefined;
  return (match[2] ?? "").trim();
}
