import { Banner, BlockStack, Card, Layout, Page, Text } from "@shopify/polaris";

/**
 * The body of the 403 that `requireInvitedShop` (app/services/invitation.server.ts) throws for a shop that
 * customer success has not enabled. Lives here, not in the .server module, because the error boundary in the
 * browser recognises it.
 */
export type InvitationRequired = {
  reason: "invitation_required";
  shop: string;
  state: "pending" | "revoked";
};

export function isInvitationRequired(data: unknown): data is InvitationRequired {
  return (
    typeof data === "object" &&
    data !== null &&
    (data as { reason?: unknown }).reason === "invitation_required" &&
    typeof (data as { shop?: unknown }).shop === "string"
  );
}

export function InvitationOnlyBanner({ shop, state }: { shop: string; state: "pending" | "revoked" }) {
  return (
    <Banner
      tone={state === "revoked" ? "critical" : "warning"}
      title={state === "revoked" ? "Access to this app has been turned off for your store" : "This app is invitation only"}
    >
      <BlockStack gap="200">
        <Text as="p">
          {state === "revoked"
            ? "Your store's access was revoked, so syncing to Adestra and APSIS One is unavailable."
            : "Syncing to Adestra and APSIS One unlocks once customer success has enabled your store."}{" "}
          Contact your customer success manager and quote your shop domain:
        </Text>
        <Text as="p" variant="headingSm" fontWeight="semibold">
          <span data-testid="shop-domain">{shop}</span>
        </Text>
      </BlockStack>
    </Banner>
  );
}

/** What an uninvited shop sees instead of any sync page. */
export function InvitationOnlyPage({ shop, state }: { shop: string; state: "pending" | "revoked" }) {
  return (
    <Page title="Invitation only">
      <Layout>
        <Layout.Section>
          <Card>
            <InvitationOnlyBanner shop={shop} state={state} />
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
