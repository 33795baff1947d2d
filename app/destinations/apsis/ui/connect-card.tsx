import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, Select, Text } from "@shopify/polaris";
import { useState } from "react";
import { ConnectionHeading } from "../../../components/connection-heading";
import { CredentialsForm, type CredentialField } from "../../../components/credentials-form";
import { useActionToast } from "../../../components/use-toast";
import { APSIS_ACTION, type ApsisActionResult } from "./types";

export type ApsisConnectionView =
  | { connected: false }
  | { connected: true; region: "eu" | "apac"; clientId: string; keyspace: string | null; verifiedAt: string | null };

/** Region, client id and secret; APSIS One gives a token for them before anything is saved. */
const CONNECT_FIELDS: CredentialField[] = [
  {
    type: "select",
    label: "Region",
    name: "region",
    options: [
      { label: "EU (api.apsis.one)", value: "eu" },
      { label: "APAC (api-apac.apsis.one)", value: "apac" },
    ],
    initial: "eu",
    helpText: "Where the APSIS One account is hosted.",
  },
  { type: "text", label: "API client id", name: "clientId", autoComplete: "off", helpText: "APSIS One → Account settings → API keys." },
  {
    type: "password",
    label: "API client secret",
    name: "clientSecret",
    autoComplete: "off",
    helpText: "Checked with APSIS One before it is saved, then stored encrypted. It is never shown again.",
  },
];

/** When the account has no Shopify integration keyspace, the merchant picks the one profiles are keyed in. */
function KeyspaceForm({ keyspaces }: { keyspaces: { discriminator: string; name: string; usable: boolean }[] }) {
  const choose = useFetcher<ApsisActionResult>({ key: "apsis-keyspace" });
  const usable = keyspaces.filter((k) => k.usable);
  const [keyspace, setKeyspace] = useState(usable[0]?.discriminator ?? "");
  useActionToast(choose.data);
  const errors = choose.state === "idle" ? choose.data?.errors : undefined;
  return (
    <BlockStack gap="200">
      <Banner tone="warning" title="Choose the keyspace profiles are created in">
        <p>The account has no Shopify integration keyspace. Profiles are keyed by the Shopify customer id in the keyspace you choose.</p>
      </Banner>
      {errors?.form ? (
        <Banner tone="critical">
          <p>{errors.form}</p>
        </Banner>
      ) : null}
      <InlineStack gap="200" blockAlign="end">
        <Select label="Keyspace" options={[{ label: "Choose a keyspace", value: "", disabled: true }, ...usable.map((k) => ({ label: k.name, value: k.discriminator }))]}
          value={keyspace} onChange={setKeyspace} error={errors?.keyspace} />
        <Button loading={choose.state !== "idle"} onClick={() => choose.submit({ intent: "choose-keyspace", keyspace }, APSIS_ACTION)}>
          Save keyspace
        </Button>
      </InlineStack>
    </BlockStack>
  );
}

export function ApsisConnectCard({ connection, keyspaces }: {
  connection: ApsisConnectionView;
  keyspaces: { discriminator: string; name: string; usable: boolean }[];
}) {
  const keyspaceName = connection.connected && connection.keyspace
    ? keyspaces.find((k) => k.discriminator === connection.keyspace)?.name ?? connection.keyspace
    : null;
  return (
    <Card>
      <BlockStack gap="400">
        <ConnectionHeading title="1. Connect APSIS One" connected={connection.connected} fetcherKey="apsis-disconnect" target={APSIS_ACTION} />
        {connection.connected ? (
          <BlockStack gap="300">
            <Text as="p">
              <span data-testid="apsis-connection">
                Region <b>{connection.region.toUpperCase()}</b>, API client id <b>{connection.clientId}</b>, keyspace{" "}
                <b>{keyspaceName ? `${keyspaceName} (${connection.keyspace})` : "not chosen yet"}</b>
                {connection.verifiedAt ? `, verified ${connection.verifiedAt}` : ""}.
              </span>
            </Text>
            {connection.keyspace ? null : <KeyspaceForm keyspaces={keyspaces} />}
          </BlockStack>
        ) : (
          <BlockStack gap="400">
            <Text as="p">Connect the APSIS One account your customer profiles are synced to, with an API key (client id and secret).</Text>
            <CredentialsForm
              fetcherKey="apsis-connect"
              target={APSIS_ACTION}
              refusalTitle="APSIS One did not accept the connection"
              fields={CONNECT_FIELDS}
            />
          </BlockStack>
        )}
      </BlockStack>
    </Card>
  );
}
