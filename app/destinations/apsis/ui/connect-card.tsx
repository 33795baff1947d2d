import { useFetcher } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, FormLayout, InlineStack, Select, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { useActionToast } from "../../../components/use-toast";
import { APSIS_ACTION, type ApsisActionResult } from "./types";

export type ApsisConnectionView =
  | { connected: false }
  | { connected: true; region: "eu" | "apac"; clientId: string; keyspace: string | null; verifiedAt: string | null };

const REGIONS = [
  { label: "EU (api.apsis.one)", value: "eu" },
  { label: "APAC (api-apac.apsis.one)", value: "apac" },
];

/** Region, client id and secret; APSIS One gives a token for them before anything is saved. */
function ConnectForm() {
  const connect = useFetcher<ApsisActionResult>({ key: "apsis-connect" });
  const [region, setRegion] = useState("eu");
  const [clientId, setClientId] = useState("");
  const [clientSecret, setClientSecret] = useState("");
  useActionToast(connect.data);
  const errors = connect.state === "idle" ? connect.data?.errors : undefined;
  // The secret never comes back from the server; clear it after every answer.
  useEffect(() => {
    if (connect.state === "idle" && connect.data) setClientSecret("");
  }, [connect.state, connect.data]);

  return (
    <BlockStack gap="400">
      {errors?.form ? (
        <Banner tone="critical" title="APSIS One did not accept the connection">
          <p>{errors.form}</p>
        </Banner>
      ) : null}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          connect.submit({ intent: "connect", region, clientId, clientSecret }, APSIS_ACTION);
        }}
      >
        <FormLayout>
          <Select label="Region" name="region" options={REGIONS} value={region} onChange={setRegion} error={errors?.region}
            helpText="Where the APSIS One account is hosted." />
          <TextField label="API client id" name="clientId" value={clientId} onChange={setClientId} autoComplete="off"
            helpText="APSIS One → Account settings → API keys." error={errors?.clientId} />
          <TextField label="API client secret" name="clientSecret" type="password" value={clientSecret} onChange={setClientSecret}
            autoComplete="off" helpText="Checked with APSIS One before it is saved, then stored encrypted. It is never shown again."
            error={errors?.clientSecret} />
          <InlineStack>
            <Button submit variant="primary" loading={connect.state !== "idle"}>
              Connect
            </Button>
          </InlineStack>
        </FormLayout>
      </form>
    </BlockStack>
  );
}

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
  const disconnect = useFetcher<ApsisActionResult>({ key: "apsis-disconnect" });
  useActionToast(disconnect.data);
  const keyspaceName = connection.connected && connection.keyspace
    ? keyspaces.find((k) => k.discriminator === connection.keyspace)?.name ?? connection.keyspace
    : null;
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack gap="200" blockAlign="center" align="space-between">
          <InlineStack gap="200" blockAlign="center">
            <Text as="h2" variant="headingMd">
              1. Connect APSIS One
            </Text>
            {connection.connected ? <Badge tone="success">Connected</Badge> : <Badge>Not connected</Badge>}
          </InlineStack>
          {connection.connected ? (
            <Button tone="critical" variant="secondary" loading={disconnect.state !== "idle"}
              onClick={() => disconnect.submit({ intent: "disconnect" }, APSIS_ACTION)}>
              Disconnect
            </Button>
          ) : null}
        </InlineStack>
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
            <ConnectForm />
          </BlockStack>
        )}
      </BlockStack>
    </Card>
  );
}
