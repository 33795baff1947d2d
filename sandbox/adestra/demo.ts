/** The demo account the CLI and scripts/stack.ts serve: what a merchant's Adestra account typically holds. */
import type { AdestraSandboxAccountConfig } from "./model";

export const DEMO_ACCOUNT = { accountName: "demo", username: "shopify", password: "sandbox-password" } as const;

export function demoAdestraAccount(): AdestraSandboxAccountConfig {
  return {
    ...DEMO_ACCOUNT,
    coreTables: [
      { id: 1, name: "Shopify customers" },
      { id: 2, name: "Wholesale" },
    ],
    unsubLists: [{ id: 10, name: "Shopify unsubscribes" }],
    lists: [
      { id: 21, name: "Existing newsletter", tableId: 1 },
      { id: 22, name: "Wholesale buyers", tableId: 2 },
    ],
  };
}
