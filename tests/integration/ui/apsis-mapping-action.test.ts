/**
 * The APSIS One page's action as the browser calls it (a Bearer session token, a form post), against the APSIS
 * sandbox: a mapping to an attribute of the wrong type is answered 422 with the error on that field, and nothing
 * is saved; a condition on an unknown field likewise.
 */
import { getJwt } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDemo, DEMO, demoDefinitions, setUpShop, type Stack, startStack, type Store } from "../apsis/stack";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-ui-action.myshopify.com", customers: 5, seed: 7, ianaTimezone: "Europe/Stockholm" };

let stack: Stack;
let shop: ShopContext;
let route: typeof import("../../../app/routes/app.apsis");

beforeAll(async () => {
  stack = await startStack({ stores: [STORE], worker: false });
  shop = await setUpShop(stack, STORE);
  await connectDemo(stack, shop);
  route = await import("../../../app/routes/app.apsis");
});

afterAll(async () => {
  await stack?.close();
});

async function postAction(fields: Record<string, string>) {
  const { token } = await getJwt(STORE.domain.split(".")[0], process.env.SHOPIFY_API_KEY!, process.env.SHOPIFY_API_SECRET!);
  const request = new Request("http://127.0.0.1:3000/app/apsis", {
    method: "POST",
    headers: { Authorization: `Bearer ${token}` },
    body: new URLSearchParams(fields),
  });
  const response = (await route.action({ request, params: {}, context: {} })) as Response;
  return { status: response.status, body: (await response.json()) as { ok: boolean; errors?: Record<string, string> } };
}

describe("APSIS One page action", () => {
  it("a text field mapped to a Number attribute: 422 with the error on that field, nothing saved", async () => {
    const { attribute } = await demoDefinitions(stack, shop);
    const { status, body } = await postAction({
      intent: "save-attributes",
      section: DEMO.globalSection,
      mappings: JSON.stringify([
        { field: "email", attribute: "com.apsis1.attributes.email" },
        { field: "tags", attribute: attribute("Global", "Orders count") },
      ]),
    });
    expect(status).toBe(422);
    expect(body.ok).toBe(false);
    expect(body.errors?.["mappings.tags"]).toMatch(/Tags is text but "Orders count" is a whole number attribute/);
    expect(body.errors?.["mappings.email"]).toBeUndefined();
    expect((await stack.app.mapping.getApsisMappings({ shop })).attributes).toEqual({});
  });

  it("the same mapping with the right types is saved", async () => {
    const { status } = await postAction({
      intent: "save-attributes",
      section: DEMO.globalSection,
      mappings: JSON.stringify([{ field: "email", attribute: "com.apsis1.attributes.email" }]),
    });
    expect(status).toBe(200);
    expect((await stack.app.mapping.getApsisMappings({ shop })).attributes[DEMO.globalSection]).toEqual([
      { field: "email", attribute: "com.apsis1.attributes.email", attributeType: "text" },
    ]);
  });

  it("a condition on an unknown field: 422 on the rule's field, nothing saved", async () => {
    const { status, body } = await postAction({
      intent: "save-conditions",
      conditions: JSON.stringify([{ field: "shoe_size", operator: "equals", value: "42", section: DEMO.swedenSection }, { always: true, section: DEMO.globalSection }]),
    });
    expect(status).toBe(422);
    expect(body.errors?.["conditions.0.field"]).toMatch(/Unknown field "shoe_size"/);
    expect((await stack.app.mapping.getApsisMappings({ shop })).conditions).toEqual([]);
  });
});
