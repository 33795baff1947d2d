import { z } from "zod";
import { getDb } from "../db.server";

export const InvitationStateSchema = z.enum(["pending", "invited", "revoked"]);
export type InvitationState = z.infer<typeof InvitationStateSchema>;

export const ShopDomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "must be a shop's myshopify.com domain, e.g. my-store.myshopify.com");

export async function getShop({ shop }: { shop: string }) {
  return getDb().shop.findUnique({ where: { domain: shop } });
}

export async function listShops() {
  return getDb().shop.findMany({ orderBy: { domain: "asc" } });
}

/** Called when a merchant installs or opens the app: creates the shop (not invited) or marks it installed. */
export async function recordInstall({ shop, name, ianaTimezone, currencyCode }: {
  shop: string;
  name?: string | null;
  ianaTimezone?: string | null;
  currencyCode?: string | null;
}) {
  const details = {
    ...(name ? { name } : {}),
    ...(ianaTimezone ? { ianaTimezone } : {}),
    ...(currencyCode ? { currencyCode } : {}),
  };
  return getDb().$transaction(async (tx) => {
    const existing = await tx.shop.findUnique({ where: { domain: shop } });
    if (!existing) return tx.shop.create({ data: { domain: shop, installedAt: new Date(), ...details } });
    // First open after an invitation, or a reinstall after an uninstall, starts an installation period.
    const reinstall = !existing.installedAt || existing.uninstalledAt ? { installedAt: new Date(), uninstalledAt: null } : {};
    return tx.shop.update({ where: { domain: shop }, data: { ...reinstall, ...details } });
  });
}

export async function recordUninstall({ shop }: { shop: string }) {
  await getDb().shop.updateMany({ where: { domain: shop }, data: { uninstalledAt: new Date() } });
}

/**
 * Customer success enables or disables a shop. The shop row is created if the shop has not installed yet,
 * so a shop can be invited ahead of its install. Each change is kept in InvitationEvent (who, when, how).
 */
export async function setInvitation({ shop, invited, actor, via, note }: {
  shop: string;
  invited: boolean;
  actor: string;
  via: "cli" | "console";
  note?: string;
}) {
  const domain = ShopDomainSchema.parse(shop);
  const now = new Date();
  const state = invited
    ? { invitation: "invited", invitedAt: now, invitedBy: actor, revokedAt: null, revokedBy: null }
    : { invitation: "revoked", revokedAt: now, revokedBy: actor };
  return getDb().$transaction(async (tx) => {
    const row = await tx.shop.upsert({
      where: { domain },
      create: { domain, ...state },
      update: state,
    });
    await tx.invitationEvent.create({
      data: { shopId: row.id, action: invited ? "invite" : "revoke", actor, via, note },
    });
    return row;
  });
}

export async function listInvitationEvents({ shop }: { shop: string }) {
  return getDb().invitationEvent.findMany({
    where: { shop: { domain: shop } },
    orderBy: { createdAt: "desc" },
    take: 50,
  });
}

export class ShopNotInvitedError extends Error {
  readonly status = 403;
  constructor(readonly shop: string) {
    super(`${shop} is not enabled yet: this app is invitation only. Contact your customer success manager.`);
    this.name = "ShopNotInvitedError";
  }
}

/** Why a shop's sync features are locked (unknown, uninstalled, not invited); null when they are not. */
export function whyNotInvited(row: Awaited<ReturnType<typeof getShop>>): string | null {
  if (!row) return "shop unknown to the app (not installed or invited)";
  if (row.uninstalledAt) return "shop has uninstalled the app";
  if (row.invitation !== "invited") return `shop not invited (invitation: ${row.invitation})`;
  return null;
}

/**
 * An invited, installed shop as the use-cases take it. Resolved once per request, job or ops command (by
 * resolveShopContext, or from the row a request already read: invitedShopContext); the use-cases then check
 * nothing again.
 */
export type ShopContext = { id: string; domain: string; ianaTimezone: string };

/** The context of a shop row whose sync features are unlocked (whyNotInvited); null otherwise. */
export function invitedShopContext(row: Awaited<ReturnType<typeof getShop>>): ShopContext | null {
  if (!row || whyNotInvited(row)) return null;
  return { id: row.id, domain: row.domain, ianaTimezone: row.ianaTimezone };
}

/** The server-side gate every sync action and job passes through: the shop's context, or ShopNotInvitedError. */
export async function resolveShopContext({ shop }: { shop: string }): Promise<ShopContext> {
  const context = invitedShopContext(await getShop({ shop }));
  if (!context) throw new ShopNotInvitedError(shop);
  return context;
}

/** The latest invitation changes across all shops (or one shop), newest first, for the ops console. */
export async function listInvitationHistory({ shop, take = 100 }: { shop?: string; take?: number } = {}) {
  return getDb().invitationEvent.findMany({
    where: shop ? { shop: { domain: shop } } : undefined,
    orderBy: { createdAt: "desc" },
    take,
    include: { shop: { select: { domain: true } } },
  });
}

/** A trivial round trip to the database, for /healthz. */
export async function pingDatabase() {
  await getDb().$queryRawUnsafe("SELECT 1");
}
