/** Shopify's own library, configured as the test app would configure it, for tests that let it talk to the sandbox. */
import "@shopify/shopify-api/adapters/node";
import { ApiVersion, type ConfigParams, LogSeverity, shopifyApi } from "@shopify/shopify-api";
import { TEST_APP } from "./test-support";

export function testShopifyApi(options: Pick<ConfigParams, "scopes"> = {}) {
  return shopifyApi({
    apiKey: TEST_APP.apiKey,
    apiSecretKey: TEST_APP.apiSecret,
    hostName: "127.0.0.1:3000",
    apiVersion: ApiVersion.July26,
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error },
    ...options,
  });
}
