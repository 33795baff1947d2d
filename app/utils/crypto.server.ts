import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * AES-256-GCM for destination credentials at rest.
 * Stored form: "v1.<iv base64url>.<tag base64url>.<ciphertext base64url>". The version lets a key
 * rotation add "v2" without guessing.
 */
const VERSION = "v1";

function keyBytes(keyBase64: string) {
  const key = Buffer.from(keyBase64, "base64");
  if (key.length !== 32) throw new Error("CREDENTIALS_ENCRYPTION_KEY must decode to 32 bytes");
  return key;
}

export function encryptSecret(plaintext: string, keyBase64: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyBytes(keyBase64), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64url"), tag.toString("base64url"), ciphertext.toString("base64url")].join(".");
}

export function decryptSecret(stored: string, keyBase64: string): string {
  const [version, iv, tag, ciphertext] = stored.split(".");
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) {
    throw new Error("stored secret is not in the v1 AES-256-GCM format");
  }
  const decipher = createDecipheriv("aes-256-gcm", keyBytes(keyBase64), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
}

/**
 * Signed tokens (HMAC-SHA256) for URLs the app hands to someone else to call back, e.g. the file Adestra fetches
 * for an import. The key is derived from the credentials key per purpose (HKDF), so it never is the key that
 * encrypts credentials and a token made for one purpose never verifies for another.
 * Form: "<payload base64url>.<mac base64url>"; the payload is the caller's (it says what the token grants).
 */
function purposeKey(keyBase64: string, purpose: string) {
  return Buffer.from(hkdfSync("sha256", keyBytes(keyBase64), Buffer.alloc(0), `profile-sync/${purpose}`, 32));
}

const mac = (payload: string, keyBase64: string, purpose: string) => createHmac("sha256", purposeKey(keyBase64, purpose)).update(payload, "utf8").digest();

export function signToken(payload: string, keyBase64: string, purpose: string): string {
  return `${Buffer.from(payload, "utf8").toString("base64url")}.${mac(payload, keyBase64, purpose).toString("base64url")}`;
}

/** The payload of a token this key signed for this purpose, compared in constant time; null for anything else. */
export function openSignedToken(token: string, keyBase64: string, purpose: string): string | null {
  const match = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const bytes = Buffer.from(match[1], "base64url");
  // Only the canonical encoding: base64url decoding ignores stray trailing characters, a token must not.
  if (bytes.toString("base64url") !== match[1]) return null;
  const payload = bytes.toString("utf8");
  const given = Buffer.from(match[2], "base64url");
  if (given.toString("base64url") !== match[2]) return null;
  const expected = mac(payload, keyBase64, purpose);
  return given.length === expected.length && timingSafeEqual(given, expected) ? payload : null;
}
