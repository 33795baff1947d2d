/** What every route needs: the app the sandbox serves, its own public URL and the shops. */
import type { ShopRuntime } from "./shop-runtime";

export type SandboxApp = { apiKey: string; apiSecret: string; url: string; scopes: string };

export type SandboxContext = {
  app: SandboxApp;
  /** `http://host:port`, known once the server listens. */
  url: string;
  shops: ReadonlyMap<string, ShopRuntime>;
};
