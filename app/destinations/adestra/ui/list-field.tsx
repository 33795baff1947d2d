import { useFetcher } from "@remix-run/react";
import { BlockStack, Box, Button, OptionList, Popover, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import type { AdestraListOption } from "./types";
import { useActionToast, type ActionResult } from "../../../components/use-toast";

type CreateListResult = ActionResult & { list?: AdestraListOption };

/**
 * The seed's "Select Adestra List": the chosen list is shown, and the *Select Adestra List* button opens a
 * panel to pick one of the lists on the connected core table or to create a new one by name (the
 * data-sync route's `create-list` action). Picking or creating a list selects it and closes the panel.
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
  const [open, setOpen] = useState(false);
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
      setOpen(false);
    }
    // onChange is the parent's setter; reacting to new answers only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [create.data]);

  // Lists reload with the page after the action; until then the created one is added here.
  const all = [...lists, ...created.filter((c) => !lists.some((l) => l.id === c.id))];
  const chosen = all.find((l) => String(l.id) === value);
  const creating = create.state === "submitting";
  const createError = create.state !== "submitting" ? (create.data?.errors?.name ?? create.data?.errors?.form) : undefined;
  const coreTable = coreTableName ? `the core table ${coreTableName}` : "the core table this store is connected to";

  const submitCreate = () => {
    create.submit({ intent: "create-list", name }, { method: "post", action: "/app/data-sync" });
  };

  const activator = (
    <div onClick={() => !disabled && setOpen(!open)}>
      <TextField
        label="Adestra list"
        name="listName"
        value={chosen?.name ?? ""}
        placeholder="No list selected"
        readOnly
        autoComplete="off"
        disabled={disabled}
        error={error}
        helpText={`Profiles are sent to this list, on ${coreTable}.`}
        connectedRight={
          <Button disclosure={open ? "up" : "down"} disabled={disabled}>
            Select Adestra List
          </Button>
        }
      />
    </div>
  );

  return (
    <Popover active={open} activator={activator} onClose={() => setOpen(false)} preferredAlignment="left" fluidContent autofocusTarget="first-node">
      <Box padding="400" maxWidth="480px" minWidth="320px">
        <BlockStack gap="400">
          <BlockStack gap="100">
            <Text as="h3" variant="headingSm">
              Pick an existing list
            </Text>
            {all.length ? (
              <OptionList
                options={all.map((list) => ({ label: list.name, value: String(list.id) }))}
                selected={chosen ? [value] : []}
                onChange={([listId]) => {
                  if (listId) onChange(listId);
                  setOpen(false);
                }}
              />
            ) : (
              <Text as="p" tone="subdued">
                No lists on {coreTable} yet: create one below.
              </Text>
            )}
            <Text as="p" tone="subdued">
              Not listed? It may be associated with a different core table to the one connected to your Shopify store. Only lists on {coreTable} can
              receive this store&apos;s profiles.
            </Text>
          </BlockStack>
          <div
            onKeyDown={(event) => {
              if (event.key === "Enter" && !creating) {
                event.preventDefault();
                submitCreate();
              }
            }}
          >
            <TextField
              label="Or create a new list"
              name="name"
              value={name}
              onChange={setName}
              placeholder="New list name"
              autoComplete="off"
              error={createError}
              helpText={`The list is created on ${coreTable}.`}
              connectedRight={
                <Button onClick={submitCreate} loading={creating}>
                  Create list
                </Button>
              }
            />
          </div>
        </BlockStack>
      </Box>
    </Popover>
  );
}
