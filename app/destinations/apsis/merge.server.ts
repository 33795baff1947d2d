/**
 * customers/merge reaching APSIS One (docs/decisions/035-customer-merge.md). The profile key is the Shopify
 * customer id, so the two customers have two profiles in the shop's keyspace; after Shopify's merge only the
 * kept customer exists. In order, each step safe to repeat (a redelivered delivery or a retried job after a
 * crash runs them again):
 *  1. only when the app wrote the merged-away customer (a ProfileLink of this shop): the profile merge API
 *     (`PUT /audience/profiles/merges`, §5.6) puts both keys on one profile. APSIS answers 409 when the two
 *     cannot share a profile, which the research expects for two keys of one keyspace (one key per keyspace,
 *     §5.1) [INFERRED]; then the merged-away profile is handled as a deleted customer's is, by the merchant's
 *     choice: deleted (with its consents), or kept;
 *  2. unless that profile is gone, every opt-in the app gave the merged-away customer is opted out
 *     (rules/consent.ts, mergedAwayWrites): nobody keeps that consent up to date any more, and a merged
 *     profile must not stay opted in on a topic the kept customer never agreed to in Shopify;
 *  3. the merged-away customer's data deleted and the kept customer's links reset, in one transaction
 *     (foldMergedApsisCustomer) — from here a retry finds nothing left to merge;
 *  4. the kept customer's real-time sync is requested: it reads them fresh from Shopify and writes every
 *     attribute and consent as Shopify has them after the merge (opt-in only on SUBSCRIBED).
 * Only with real-time sync on, as for every other webhook.
 */
import { ApsisConflictError, ApsisNotFoundError } from "./client/errors";
import { listApsisLinksOfCustomer, foldMergedApsisCustomer } from "../../models/apsis-profile-link.server";
import { onCustomerDeleteOf } from "../../models/apsis-realtime-settings.server";
import type { CustomerMerge } from "../destination";
import { apsisReason, openApsisConnection } from "./account.server";
import { waitingOutRateLimits } from "./profile-writer.server";
import { requestCustomerSync } from "./realtime.server";
import { mergedAwayWrites, parseConsentState } from "./rules/consent";
import { profileKeyOf, sectionOfTarget } from "./rules/profile";

const MERGE_SOURCE = "Shopify (profile sync app, customer merge)";

export async function mergeApsisCustomers({ shop, shopId, keptCustomerId, mergedCustomerId }: CustomerMerge): Promise<string | null> {
  const opened = await openApsisConnection({ shopId });
  const keyspace = opened?.connection.keyspaceDiscriminator;
  if (!opened || !keyspace) return null;
  if (!opened.connection.realtimeEnabled) return "APSIS One: real-time sync is off, profiles left as they are";
  const { client, connection } = opened;

  const links = await listApsisLinksOfCustomer({ shopId, customerId: mergedCustomerId });
  const notes: string[] = [];
  if (!links.length) {
    notes.push("the app holds no profile of the merged-away customer");
  } else {
    const mergedKey = profileKeyOf(mergedCustomerId);
    let profileGone = false;
    try {
      await waitingOutRateLimits(() => client.profiles.merge([{ keyspace, profileKey: profileKeyOf(keptCustomerId) }, { keyspace, profileKey: mergedKey }]));
      notes.push("profiles merged");
    } catch (error) {
      if (!(error instanceof ApsisConflictError)) throw error;
      const refused = `APSIS One refused to merge the profiles (${apsisReason(error)})`;
      if (onCustomerDeleteOf(connection.onCustomerDelete) === "delete_profile") {
        const answer = await waitingOutRateLimits(() => client.profiles.delete({ keyspace, profileKey: mergedKey }));
        notes.push(`${refused}: the merged-away customer's profile ${answer === "deleted" ? "deleted" : "was already gone"}, as chosen for deleted customers`);
        profileGone = true;
      } else {
        notes.push(`${refused}: the merged-away customer's profile kept, as chosen for deleted customers`);
      }
    }
    if (!profileGone) {
      let withdrawn = 0;
      releasing: for (const link of links) {
        const section = sectionOfTarget(link.target);
        if (!section) continue;
        for (const write of mergedAwayWrites(parseConsentState(link.consent), keptCustomerId)) {
          try {
            await waitingOutRateLimits(() =>
              client.consents.write({
                keyspace,
                profileKey: mergedKey,
                section,
                channel: write.channelDiscriminator as "com.apsis1.channels.email" | "com.apsis1.channels.sms",
                topic: write.topic,
                type: write.type,
                reason: write.reason,
                source: MERGE_SOURCE,
              }),
            );
          } catch (error) {
            // Deleted in APSIS meanwhile: its consents went with it.
            if (error instanceof ApsisNotFoundError) break releasing;
            throw error;
          }
          withdrawn += 1;
        }
      }
      if (withdrawn) notes.push(`${withdrawn} opt-in(s) of the merged-away customer withdrawn`);
    }
  }
  await foldMergedApsisCustomer({ shopId, keptCustomerId, mergedCustomerId });
  const sync = await requestCustomerSync({ shop, customerId: keptCustomerId, requireRealtime: true });
  notes.push(sync.queued ? "the kept customer's profile queued to be written from Shopify" : `the kept customer not synced: ${sync.reason}`);
  return `APSIS One: ${notes.join("; ")}`;
}
