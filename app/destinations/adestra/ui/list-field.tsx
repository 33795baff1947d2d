import { useFetcher } from "@remix-run/react";
import { BlockStack, Button, InlineStack, Select, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import type { AdestraListOption } from "./types";
import { useActionToast, type ActionResult } from "../../../components/use-toast";

type CreateListResult = ActionResult & { list?: AdestraListOption };

/**
 * Select Adestra List: one of the lists on the connected core table, or a new one created by name
 * (the data-sync route's `create-list` action). A created list is selected at once.
 */
export function ListField({ value, onChange, lists, coreTableName, disabled, error, fetcherKey }: {
  value: string;
  onChange: (listId: string) => void;
  lists: AdestraListOption[];
  coreTableName: string | null;
  disabled?: boolean;
  error?: string;
  /** Distinct per form, so the two tabs' create forms do not share state. */
  fetcherKey: string;
}) {
  const create = useFetcher<CreateListResult>({ key: fetcherKey });
  const [name, setName] = useState("");
  const [created, setCreated] = useState<AdestraListOption[]>([]);
  useActionToast(create.data);

  // Select the new list as soon as the action answers (the page's data reloads after it).
  useEffect(() => {
    const list = create.data?.list;
    if (list) {
      setCreated((known) => (known.some((l) => l.id === list.id) ? known : [...known, list]));
      setName("");
      onChange(String(list.id));
    }
    // onChange is the parent's setter; reacting to new answers only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [create.data]);

  // Lists reload with the page after the action; until then the created one is added here.
  const all = [...lists, ...created.filter((c) => !lists.some((l) => l.id === c.id))];
  const options = [
    { label: all.length ? "Choose a list" : "No lists yet: create one below", value: "", disabled: true },
    ...all.map((list) => ({ label: list.name, value: String(list.id) })),
  ];
  const creating = create.state === "submitting";
  const nameError = create.state !== "submitting" ? create.data?.errors?.name : undefined;

  const submitCreate = () => {
    create.submit({ intent: "create-list", name }, { method: "post", action: "/app/data-sync" });
  };

  return (
    <BlockStack gap="300">
      <Select
        label="Select Adestra List"
        name="listId"
        options={options}
        value={all.some((l) => String(l.id) === value) ? value : ""}
        onChange={onChange}
        disabled={disabled}
        error={error}
        helpText={`Not listed? It may be on another core table than ${coreTableName ?? "the one this store is connected to"}. Only lists on that core table can receive this store's profiles.`}
      />
      <BlockStack gap="100">
        <Text as="h3" variant="headingSm">
          Create a new list
        </Text>
        <div
          onKeyDown={(event) => {
            if (event.key === "Enter" && !disabled && !creating) {
              event.preventDefault();
              submitCreate();
            }
          }}
        >
          <TextField
            label="New list name"
            name="name"
            value={name}
            onChange={setName}
            autoComplete="off"
            disabled={disabled}
            error={nameError}
            helpText={coreTableName ? `The list is created on the core table ${coreTableName}.` : undefined}
            connectedRight={
              <Button onClick={submitCreate} loading={creating} disabled={disabled}>
                Create list
              </Button>
            }
          />
        </div>
        {create.data?.errors?.form && create.state !== "submitting" ? (
          <InlineStack>
            <Text as="p" tone="critical">
              {create.data.errors.form}
            </Text>
          </InlineStack>
        ) : null}
      </BlockStack>
    </BlockStack>
  );
}
