import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, FormLayout, InlineStack, Select, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { useActionToast, type ActionResult } from "./use-toast";

type FieldBase = { name: string; label: string; helpText: string; initial?: string };

/** One input of a connect form; `password` fields hold secrets. */
export type CredentialField =
  | (FieldBase & { type: "text" | "password"; autoComplete: string })
  | (FieldBase & { type: "select"; options: { label: string; value: string }[] });

const initialValues = (fields: readonly CredentialField[]) =>
  Object.fromEntries(fields.map((field) => [field.name, field.initial ?? ""]));

/**
 * A destination's "connect" form: posts `{ intent: "connect", ...values }` and shows the action's `errors` by field
 * name, `errors.form` in a critical banner. `fields` should be a module constant: it is read on every answer.
 */
export function CredentialsForm({ fetcherKey, target, refusalTitle, fields }: {
  fetcherKey: string;
  target: { method: "post"; action: string };
  refusalTitle: string;
  fields: readonly CredentialField[];
}) {
  const connect = useFetcher<ActionResult>({ key: fetcherKey });
  const [values, setValues] = useState(() => initialValues(fields));
  useActionToast(connect.data);
  const errors = connect.state === "idle" ? connect.data?.errors : undefined;
  // Secrets never come back from the server; clear them after every answer so they are not kept around.
  useEffect(() => {
    if (connect.state !== "idle" || !connect.data) return;
    const secrets = fields.filter((field) => field.type === "password").map((field) => [field.name, ""]);
    setValues((current) => ({ ...current, ...Object.fromEntries(secrets) }));
  }, [connect.state, connect.data, fields]);

  const change = (name: string) => (value: string) => setValues((current) => ({ ...current, [name]: value }));
  return (
    <BlockStack gap="400">
      {errors?.form ? (
        <Banner tone="critical" title={refusalTitle}>
          <p>{errors.form}</p>
        </Banner>
      ) : null}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          connect.submit({ intent: "connect", ...values }, target);
        }}
      >
        <FormLayout>
          {fields.map((field) => {
            const common = {
              label: field.label,
              name: field.name,
              value: values[field.name],
              onChange: change(field.name),
              helpText: field.helpText,
              error: errors?.[field.name],
            };
            return field.type === "select" ? (
              <Select key={field.name} {...common} options={field.options} />
            ) : (
              <TextField key={field.name} {...common} type={field.type} autoComplete={field.autoComplete} />
            );
          })}
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
