import { describe, expect, it } from "vitest";
import { assertEmbeddedRequestAcceptable } from "./embedded-request";

const APP = "https://app.example";
const token = (claims: object) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
const SHOP_TOKEN = token({ dest: "https://shop-a.myshopify.com" });

function refusal(request: Request): Response | undefined {
  try {
    assertEmbeddedRequestAcceptable(request);
    return undefined;
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
}

describe("assertEmbeddedRequestAcceptable", () => {
  it("accepts page loads with the token in the URL and changes with it in the Authorization header", () => {
    expect(refusal(new Request(`${APP}/app?id_token=${SHOP_TOKEN}`))).toBeUndefined();
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect(refusal(new Request(`${APP}/app/apsis`, { method, headers: { Authorization: `Bearer ${SHOP_TOKEN}` } }))).toBeUndefined();
    }
  });

  it("refuses (403) a change whose token is only in the URL, or that has none", async () => {
    for (const url of [`${APP}/app/apsis?id_token=${SHOP_TOKEN}`, `${APP}/app/apsis`]) {
      const response = refusal(new Request(url, { method: "POST" }));
      expect(response?.status).toBe(403);
      expect(await response?.text()).toMatch(/only accepted from the app inside Shopify admin/);
    }
  });

  it("refuses (401) a token whose dest is not an https://*.myshopify.com shop, in the URL or the header", async () => {
    for (const dest of ["https://attacker.example", "https://shop.myshopify.com.attacker.example", "http://shop-a.myshopify.com", "not a url", 42, undefined]) {
      const bad = token({ dest });
      for (const request of [new Request(`${APP}/app?id_token=${bad}`), new Request(`${APP}/app`, { headers: { Authorization: `Bearer ${bad}` } })]) {
        const response = refusal(request);
        expect(response?.status, String(dest)).toBe(401);
        expect(response?.headers.get("WWW-Authenticate")).toMatch(/^Bearer error="invalid_token"/);
        expect(await response?.text()).toMatch(/not for a Shopify store/);
      }
    }
  });

  it("leaves a token it cannot read to the library, which refuses or re-authenticates", () => {
    for (const garbage of ["garbage", "a.%%%.c", `a.${"x".repeat(5000)}.c`]) {
      expect(refusal(new Request(`${APP}/app?id_token=${encodeURIComponent(garbage)}`))).toBeUndefined();
    }
  });
});
