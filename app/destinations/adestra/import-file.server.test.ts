import { describe, expect, it } from "vitest";
import { importFileUrl, readImportFileToken, serveAdestraImportFile, signImportFileToken } from "./import-file.server";
import { signToken } from "../../utils/crypto.server";

const KEY = Buffer.alloc(32, 7).toString("base64");
const OTHER_KEY = Buffer.alloc(32, 9).toString("base64");
const NOW = new Date("2026-12-07T12:00:00Z");
const CLAIMS = { shopId: "shop-a", runId: "run-a", part: 2, expiresAt: new Date("2026-12-07T16:00:00Z") };

describe("the import file's token", () => {
  it("names the shop, the run, the part and the expiry, and reads back only with the key it was signed with", () => {
    const token = signImportFileToken(CLAIMS, KEY);
    expect(readImportFileToken(token, KEY, NOW)).toEqual(CLAIMS);
    expect(readImportFileToken(token, OTHER_KEY, NOW)).toBeNull();
  });

  it("is refused once expired (to the second)", () => {
    const token = signImportFileToken(CLAIMS, KEY);
    expect(readImportFileToken(token, KEY, new Date(CLAIMS.expiresAt.getTime() - 1_000))).not.toBeNull();
    expect(readImportFileToken(token, KEY, CLAIMS.expiresAt)).toBeNull();
  });

  it("is refused when any of it is changed: another shop, run or part, a later expiry, the MAC, stray characters", () => {
    const token = signImportFileToken(CLAIMS, KEY);
    const [payload, mac] = token.split(".");
    const forged = (claims: unknown[]) => `${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${mac}`;
    const exp = Math.floor(CLAIMS.expiresAt.getTime() / 1000);
    for (const tampered of [
      forged(["adestra-import", "shop-b", "run-a", 2, exp]),
      forged(["adestra-import", "shop-a", "run-b", 2, exp]),
      forged(["adestra-import", "shop-a", "run-a", 3, exp]),
      forged(["adestra-import", "shop-a", "run-a", 2, exp + 86_400]),
      `${payload}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`,
      `${payload}x.${mac}`,
      `${payload}.${mac}x`,
      `${payload}.`,
      payload,
      "",
    ]) {
      expect(readImportFileToken(tampered, KEY, NOW), tampered).toBeNull();
    }
    expect(readImportFileToken(null, KEY, NOW)).toBeNull();
  });

  it("a token the same key signed for another purpose, or with a payload of another form, is refused", () => {
    const payload = JSON.stringify(["adestra-import", "shop-a", "run-a", 2, Math.floor(CLAIMS.expiresAt.getTime() / 1000)]);
    expect(readImportFileToken(signToken(payload, KEY, "other-purpose"), KEY, NOW)).toBeNull();
    expect(readImportFileToken(signToken(payload, KEY, "adestra-import-file"), KEY, NOW)).toEqual(CLAIMS);
    expect(readImportFileToken(signToken('["adestra-import","shop-a","run-a",-1,1]', KEY, "adestra-import-file"), KEY, NOW)).toBeNull();
    expect(readImportFileToken(signToken("not json", KEY, "adestra-import-file"), KEY, NOW)).toBeNull();
  });

  it("the URL is the app's public one with the token as `token` (the access log redacts it)", () => {
    const url = new URL(importFileUrl(CLAIMS, { appUrl: "https://app.example.com", key: KEY }));
    expect(`${url.origin}${url.pathname}`).toBe("https://app.example.com/imports/adestra");
    expect(readImportFileToken(url.searchParams.get("token"), KEY, NOW)).toEqual(CLAIMS);
  });

  it("the route refuses a missing, tampered or expired token with 403 and no body, before reading anything", async () => {
    const expired = signImportFileToken({ ...CLAIMS, expiresAt: new Date(Date.now() - 1_000) }, process.env.CREDENTIALS_ENCRYPTION_KEY!);
    for (const query of ["", "?token=", "?token=abc.def", `?token=${expired}`, `?token=${signImportFileToken(CLAIMS, OTHER_KEY)}`]) {
      const response = await serveAdestraImportFile(new Request(`https://app.example.com/imports/adestra${query}`));
      expect(response.status, query).toBe(403);
      expect(await response.text()).toBe("");
    }
  });
});
