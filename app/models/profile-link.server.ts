import type { Prisma, Tx } from "../db.server";

type LinkRow = Omit<Prisma.ProfileLinkCreateManyInput, "shopId" | "destination" | "target" | "id">;

/**
 * A bulk import's confirmed links of one target, each replaced whole: one delete and one insert for the
 * chunk, not an upsert per customer. Inside the caller's transaction (with the import state that says so).
 */
export async function replaceProfileLinks(tx: Tx, { shopId, destination, target, links }: { shopId: string; destination: string; target: string; links: LinkRow[] }) {
  if (!links.length) return;
  await tx.profileLink.deleteMany({ where: { shopId, destination, target, customerId: { in: links.map((l) => l.customerId) } } });
  await tx.profileLink.createMany({ data: links.map((link) => ({ shopId, destination, target, ...link })) });
}
