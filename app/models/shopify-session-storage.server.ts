/**
 * The Shopify library's session storage, with the shop's access and refresh tokens encrypted at rest
 * (AES-256-GCM with CREDENTIALS_ENCRYPTION_KEY, the scheme of the destination credentials: utils/crypto.server.ts).
 *
 * It wraps PrismaSessionStorage, which writes the `Session` row: `accessToken` and `refreshToken` are its only
 * secrets (an online session would add the staff member's name and email; this app uses offline sessions only).
 * Everything that reads or writes sessions goes through this storage (the library's authenticate, token refresh
 * and unauthenticated.admin; services/shopify-admin.server.ts), so every reader gets plain tokens and every row
 * holds ciphertext. Code that only deletes rows or updates their scope (webhooks, redaction) never sees a token.
 *
 * Rows written before encryption hold plaintext. They are read as they are, and encrypted in place right away with
 * a compare-and-set on the plaintext values: a token refresh that stored newer tokens in between is never
 * overwritten with the older ones. `encryptStoredTokens()` does the same for every row at once (the web process
 * runs it at start-up), so a shop that does not come back is not left in plain text either.
 */
import { Session } from "@shopify/shopify-api";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import type { Db } from "../db.server";
import { decryptSecret, encryptSecret } from "../utils/crypto.server";

/** encryptSecret's stored form; a Shopify token (shpat_…, shprt_…) never looks like it. */
const ENCRYPTED = /^v1\.[\w-]+\.[\w-]+\.[\w-]*$/;
const isEncrypted = (value: string) => ENCRYPTED.test(value);

type Tokens = { accessToken?: string; refreshToken?: string };

export class EncryptedSessionStorage implements SessionStorage {
  private readonly rows: PrismaSessionStorage<Db>;

  constructor(
    private readonly db: Db,
    private readonly key: string,
  ) {
    this.rows = new PrismaSessionStorage(db);
  }

  async storeSession(session: Session): Promise<boolean> {
    return this.rows.storeSession(this.withTokens(session, this.encrypt(session)));
  }

  async loadSession(id: string): Promise<Session | undefined> {
    const stored = await this.rows.loadSession(id);
    return stored && this.readable(stored);
  }

  async findSessionsByShop(shop: string): Promise<Session[]> {
    return Promise.all((await this.rows.findSessionsByShop(shop)).map((session) => this.readable(session)));
  }

  deleteSession(id: string): Promise<boolean> {
    return this.rows.deleteSession(id);
  }

  deleteSessions(ids: string[]): Promise<boolean> {
    return this.rows.deleteSessions(ids);
  }

  /** Encrypts the tokens of every row still in plain text; returns how many rows it encrypted. */
  async encryptStoredTokens(): Promise<number> {
    const rows = await this.db.session.findMany({
      where: { OR: [{ NOT: { accessToken: { startsWith: "v1." } } }, { NOT: { refreshToken: { startsWith: "v1." } } }] },
      select: { id: true, accessToken: true, refreshToken: true },
    });
    let encrypted = 0;
    for (const row of rows) {
      const stored = { accessToken: row.accessToken || undefined, refreshToken: row.refreshToken ?? undefined };
      if (this.isPlaintext(stored) && (await this.encryptInPlace(row.id, stored))) encrypted += 1;
    }
    return encrypted;
  }

  private encrypt({ accessToken, refreshToken }: Tokens): Tokens {
    const seal = (value?: string) => (value && !isEncrypted(value) ? encryptSecret(value, this.key) : value);
    return { accessToken: seal(accessToken), refreshToken: seal(refreshToken) };
  }

  private decrypt(session: Session): Tokens {
    const open = (value?: string) => {
      if (!value || !isEncrypted(value)) return value;
      try {
        return decryptSecret(value, this.key);
      } catch {
        throw new Error(`The Shopify session ${session.id} cannot be decrypted: CREDENTIALS_ENCRYPTION_KEY is not the key it was stored with`);
      }
    };
    return { accessToken: open(session.accessToken), refreshToken: open(session.refreshToken) };
  }

  private isPlaintext({ accessToken, refreshToken }: Tokens) {
    return [accessToken, refreshToken].some((value) => value && !isEncrypted(value));
  }

  private async readable(stored: Session): Promise<Session> {
    if (this.isPlaintext(stored)) await this.encryptInPlace(stored.id, stored);
    return this.withTokens(stored, this.decrypt(stored));
  }

  /** Compare-and-set: only a row that still holds exactly these values is rewritten. */
  private async encryptInPlace(id: string, stored: Tokens): Promise<boolean> {
    const sealed = this.encrypt(stored);
    const { count } = await this.db.session.updateMany({
      where: { id, accessToken: stored.accessToken ?? "", refreshToken: stored.refreshToken ?? null },
      data: { accessToken: sealed.accessToken ?? "", refreshToken: sealed.refreshToken ?? null },
    });
    return count === 1;
  }

  private withTokens(session: Session, tokens: Tokens): Session {
    return new Session({ ...session.toObject(), accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
  }
}
