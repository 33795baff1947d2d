import { describe, expect, it } from "vitest";
import { adminBlocks, CUSTOMER_DETAILS_BLOCK, EXTENSIONS_DIR, parseExtensionToml } from "./extensions";

describe("the app's admin blocks, read from shopify.extension.toml", () => {
  it("finds the customer page block of extensions/ with its name, API version and module", () => {
    expect(adminBlocks(CUSTOMER_DETAILS_BLOCK)).toEqual([
      {
        handle: "customer-sync-status",
        name: "APSIS One sync",
        apiVersion: "2026-07",
        target: CUSTOMER_DETAILS_BLOCK,
        module: `${EXTENSIONS_DIR}customer-sync-status/src/BlockExtension.tsx`,
      },
    ]);
    expect(adminBlocks("admin.order-details.block.render")).toEqual([]);
  });

  it("takes every targeting of every extension, ignores comments and other keys, and skips an incomplete targeting", () => {
    const toml = `api_version = "2026-07"
# a comment
[[extensions]]
name = "One"   # trailing comment
handle = "one"
type = "ui_extension"
[[extensions.targeting]]
module = "./src/A.tsx"
target = "admin.customer-details.block.render"
[[extensions.targeting]]
module = "./src/B.tsx"
target = "admin.order-details.block.render"
[extensions.capabilities]
network_access = true
[[extensions]]
name = "Two"
handle = "two"
[[extensions.targeting]]
target = "admin.customer-details.block.render"
`;
    expect(parseExtensionToml(toml, "/x")).toEqual([
      { name: "One", handle: "one", apiVersion: "2026-07", target: "admin.customer-details.block.render", module: "/x/src/A.tsx" },
      { name: "One", handle: "one", apiVersion: "2026-07", target: "admin.order-details.block.render", module: "/x/src/B.tsx" },
    ]);
  });
});
