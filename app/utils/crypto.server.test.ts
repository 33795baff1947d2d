import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "./crypto.server";

const key = randomBytes(32).toString("base64");

describe("credential encryption", () => {
  it("round-trips and never stores the plaintext", () => {
    const stored = encryptSecret("hunter2-password", key);
    expect(stored).not.toContain("hunter2");
    expect(decryptSecret(stored, key)).toBe("hunter2-password");
  });

  it("uses a fresh IV each time", () => {
    expect(encryptSecret("same", key)).not.toBe(encryptSecret("same", key));
  });

  it("refuses a tampered ciphertext or the wrong key", () => {
    const stored = encryptSecret("secret", key);
    const parts = stored.split(".");
    const tampered = [...parts.slice(0, 3), Buffer.from("other!").toString("base64url")].join(".");
    expect(() => decryptSecret(tampered, key)).toThrow();
    expect(() => decryptSecret(stored, randomBytes(32).toString("base64"))).toThrow();
  });
});
