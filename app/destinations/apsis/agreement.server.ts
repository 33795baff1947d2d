import type { AgreementSource } from "../../components/agreement";
import { getApsisConnectionSummary } from "../../models/apsis-connection.server";
import { listConsentMappingRows } from "../../models/apsis-mapping.server";
import { listApsisLinkConsentPage, listApsisLinksOfCustomers } from "../../models/apsis-profile-link.server";
import { groupBy } from "../../utils/group-by";
import { apsisAgreementRows, apsisVerdict, writtenConsentTally } from "./rules/agreement";

/** Links are read this many at a time to count them (constant memory, whatever the store's size). */
const LINK_PAGE = 5_000;

const TITLE = "APSIS One";

/** APSIS One on the Subscriber counts page (rules/agreement.ts): its profiles' consent, as last written. */
export const apsisAgreement: AgreementSource = {
  title: TITLE,
  async summarize({ shopId, shopify }) {
    const tally = writtenConsentTally();
    for (let afterId: string | undefined; ; ) {
      const page = await listApsisLinkConsentPage({ shopId, afterId, take: LINK_PAGE });
      page.forEach(tally.add);
      if (page.length < LINK_PAGE) break;
      afterId = page[page.length - 1].id;
    }
    const written = tally.counts();
    const sections = Object.entries(written.sections);
    return {
      destination: "apsis",
      title: TITLE,
      connected: (await getApsisConnectionSummary({ shopId })) !== null,
      written: written.profiles,
      lastWrittenAt: written.lastWrittenAt?.toISOString() ?? null,
      rows: apsisAgreementRows({ shopify, written }),
      notes: sections.length > 1 ? [`Profiles per Section: ${sections.map(([section, n]) => `${section} ${n.toLocaleString("en-US")}`).join(", ")}.`] : [],
    };
  },
  async compareCustomers({ shopId, members }) {
    const [links, mappings] = await Promise.all([
      listApsisLinksOfCustomers({ shopId, customerIds: members.map((m) => m.customerId) }),
      listConsentMappingRows({ shopId }),
    ]);
    const emailTopicSections = new Set(mappings.filter((m) => m.channel === "email").map((m) => m.sectionDiscriminator));
    const byCustomer = groupBy(links, (link) => link.customerId);
    return members.map((member) => apsisVerdict({ member, links: byCustomer.get(member.customerId) ?? [], emailTopicSections }));
  },
};
