import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, FormLayout, InlineStack, Select, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { ConnectionHeading } from "../../../components/connection-heading";
import { CredentialsForm, type CredentialField } from "../../../components/credentials-form";
import { useActionToast, type ActionResult } from "../../../components/use-toast";

export type AdestraConnectionView =
  | { connected: false }
  | {
      connected: true;
      accountName: string;
      username: string;
      coreTable: { id: number; name: string } | null;
      unsubList: { id: number; name: string } | null;
      verifiedAt: string | null;
    };

const post = { method: "post", action: "/app/settings" } as const;

/** Account name, username and password; verified against Adestra before anything is saved. */
const CONNECT_FIELDS: CredentialField[] = [
  { type: "text", label: "Account name", name: "accountName", autoComplete: "organization", helpText: "As shown on the Adestra login screen." },
  { type: "text", label: "Username", name: "username", autoComplete: "username", helpText: "A user with API access enabled." },
  {
    type: "password",
    label: "Password",
    name: "password",
    autoComplete: "current-password",
    helpText: "Checked with Adestra before it is saved, then stored encrypted. It is never shown again.",
  },
];

/** The core table profiles are written to, and the unsub list opted-out customers are added to. */
function TablesForm({ connection, coreTables, coreTablesError }: {
  connection: Extract<AdestraConnectionView, { connected: true }>;
  coreTables: { id: number; name: string }[];
  coreTablesError: string | null;
}) {
  const choose = useFetcher<ActionResult>({ key: "adestra-tables" });
  const [coreTableId, setCoreTableId] = useState(connection.coreTable ? String(connection.coreTable.id) : "");
  const [unsubListId, setUnsubListId] = useState(connection.unsubList ? String(connection.unsubList.id) : "");
  useActionToast(choose.data);
  const errors = choose.state === "idle" ? choose.data?.errors : undefined;
  const options = [
    { label: coreTables.length ? "Choose a core table" : "No core tables found", value: "", disabled: true },
    ...coreTables.map((table) => ({ label: `${table.name} (id ${table.id})`, value: String(table.id) })),
  ];
  const savedUnsub = connection.unsubList && String(connection.unsubList.id) === unsubListId ? connection.unsubList : null;

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        choose.submit({ intent: "choose-tables", coreTableId, unsubListId }, post);
      }}
    >
      <FormLayout>
        {coreTablesError ? (
          <Banner tone="critical" title="The core tables could not be loaded from Adestra">
            <p>{coreTablesError}</p>
          </Banner>
        ) : null}
        {errors?.form ? (
          <Banner tone="critical">
            <p>{errors.form}</p>
          </Banner>
        ) : null}
        <Select
          label="Core table"
          name="coreTableId"
          options={options}
          value={coreTableId}
          onChange={setCoreTableId}
          helpText="The Adestra core table this store's profiles are written to. Only lists on this core table are offered on Data Sync."
          error={errors?.coreTableId}
        />
        <TextField
          label="Unsub list ID"
          name="unsubListId"
          type="number"
          min={1}
          value={unsubListId}
          onChange={setUnsubListId}
          autoComplete="off"
          helpText={
            savedUnsub
              ? `Unsub list ${savedUnsub.id}: ${savedUnsub.name}. Customers who unsubscribed in Shopify are added to it.`
              : "The Adestra unsub list customers who unsubscribed in Shopify are added to, so Adestra never mails them. Its name is shown once verified."
          }
          error={errors?.unsubListId}
        />
        <InlineStack>
          <Button submit variant="primary" loading={choose.state !== "idle"}>
            Save
          </Button>
        </InlineStack>
      </FormLayout>
    </form>
  );
}

export function AdestraConnectionCard({ connection, coreTables, coreTablesError }: {
  connection: AdestraConnectionView;
  coreTables: { id: number; name: string }[];
  coreTablesError: string | null;
}) {
  return (
    <Card>
      <BlockStack gap="400">
        <ConnectionHeading title="Adestra" connected={connection.connected} fetcherKey="adestra-disconnect" target={post} />
        {connection.connected ? (
          <BlockStack gap="400">
            <Text as="p">
              Account <b>{connection.accountName}</b>, user <b>{connection.username}</b>
              {connection.verifiedAt ? `, verified ${connection.verifiedAt}` : ""}.
            </Text>
            <TablesForm connection={connection} coreTables={coreTables} coreTablesError={coreTablesError} />
          </BlockStack>
        ) : (
          <BlockStack gap="400">
            <Text as="p">
              Connect the Adestra account your customer profiles are sent to: your account name, username and password.
            </Text>
            <CredentialsForm
              fetcherKey="adestra-connect"
              target={post}
              refusalTitle="Adestra did not accept the connection"
              fields={CONNECT_FIELDS}
            />
          </BlockStack>
        )}
      </BlockStack>
    </Card>
  );
}
