import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";

const OFFLINE_HINT =
  '<p>Working offline? This API serves its own IDE at <a href="/altair/">/altair/</a>, and the REST ' +
  'routes are documented at <a href="/docs">/docs</a>.</p>';

/**
 * Apollo Sandbox as the development landing page (it loads from Apollo's CDN), whose "cannot be loaded" notice
 * also points to the offline IDE and the REST docs.
 */
export function developmentLandingPagePlugin(): ApolloServerPlugin {
  const sandbox = ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false });
  return {
    async serverWillStart(service) {
      const listener = await sandbox.serverWillStart!(service);
      if (!listener?.renderLandingPage) return listener;
      const page = await listener.renderLandingPage();
      return {
        async renderLandingPage() {
          return {
            async html() {
              const html = typeof page.html === "string" ? page.html : await page.html();
              return html.includes("cannot be loaded")
                ? html.replace(/(cannot be loaded[^<]*<\/p>)/, `$1${OFFLINE_HINT}`)
                : html.replace("</body>", `${OFFLINE_HINT}</body>`);
            },
          };
        },
      };
    },
  };
}
