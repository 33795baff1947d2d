import { describe, expect, it } from "vitest";
import { isUsableKeyspace, pickIntegrationKeyspace } from "./keyspace";

describe("the integration keyspace", () => {
  it("is the account's Shopify integration keyspace when there is one", () => {
    const keyspaces = [
      { discriminator: "com.apsis1.keyspaces.email" },
      { discriminator: "com.apsis1.keyspaces.crm-id" },
      { discriminator: "com.apsis1.integrations.keyspaces.ab12cd34.shopify" },
      { discriminator: "com.apsis1.integrations.keyspaces.ab12cd34.magento" },
    ];
    expect(pickIntegrationKeyspace(keyspaces)).toBe("com.apsis1.integrations.keyspaces.ab12cd34.shopify");
    expect(pickIntegrationKeyspace(keyspaces.filter((k) => !k.discriminator.endsWith("shopify")))).toBeNull();
  });

  it("is never the email, mobile or cookie keyspace", () => {
    expect(isUsableKeyspace("com.apsis1.keyspaces.email")).toBe(false);
    expect(isUsableKeyspace("com.apsis1.keyspaces.mobile")).toBe(false);
    expect(isUsableKeyspace("com.apsis1.keyspaces.web")).toBe(false);
    expect(isUsableKeyspace("com.apsis1.keyspaces.crm-id")).toBe(true);
  });
});
