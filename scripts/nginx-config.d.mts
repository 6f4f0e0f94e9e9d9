// Types of nginx-config.mjs for the TypeScript tests.

/** Placeholder values: a string replaces its placeholder, a list repeats the line holding it. */
export type SiteValues = Record<string, string | string[]>;

export const TEMPLATE_FILE: string;
export const COMPOSE_SITE_FILE: string;
export const COMPOSE_VALUES: SiteValues;
export function renderSite(values: SiteValues, template?: string): string;
export function renderComposeSite(): string;
export function renderMainConfig(options: { dir: string; siteFile: string }): string;
/** Writes `dir`/coffee.conf and `dir`/nginx.conf around it; returns nginx.conf's path. */
export function writeNginxConfig(dir: string, values: SiteValues): string;
