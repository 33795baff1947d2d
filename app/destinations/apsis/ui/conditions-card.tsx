import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, InlineGrid, InlineStack, Select, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { useActionToast } from "../../../components/use-toast";
import { APSIS_ACTION, OPERATOR_LABELS, type ApsisActionResult, type ConditionFieldView, type ConditionRow, type SectionView } from "./types";

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** The rules as the services take them: the rows, then "otherwise" (if it picks a Section) as the last rule. */
export function conditionsPayload(rows: ConditionRow[], otherwise: string): unknown[] {
  const rules: unknown[] = rows.map(({ field, operator, value, section, and }) => ({ field, operator, value, section, ...(and?.length ? { and } : {}) }));
  if (otherwise) rules.push({ always: true, section: otherwise });
  return rules;
}

function ConditionRowFields({ row, index, fields, sections, errors, count, onChange, onRemove }: {
  row: ConditionRow;
  index: number;
  fields: ConditionFieldView[];
  sections: SectionView[];
  errors: Partial<Record<string, string>>;
  count?: { matches: number; picked: number };
  onChange: (row: ConditionRow) => void;
  onRemove: () => void;
}) {
  const n = index + 1;
  const spec = fields.find((f) => f.key === row.field);
  const operators = spec?.operators ?? [];
  const error = (part: string) => errors[`conditions.${index}.${part}`];
  return (
    <Box padding="300" borderWidth="025" borderColor="border" borderRadius="200">
      <BlockStack gap="200">
        <InlineGrid columns={{ xs: 1, md: "2fr 2fr 2fr 2fr auto" }} gap="200" alignItems="end">
          <Select
            label={`Field, rule ${n}`}
            options={[{ label: "Choose a field", value: "", disabled: true }, ...fields.map((f) => ({ label: f.label, value: f.key }))]}
            value={row.field}
            onChange={(field) => {
              const next = fields.find((f) => f.key === field);
              const operator = next?.operators.includes(row.operator) ? row.operator : next?.operators[0] ?? "";
              onChange({ ...row, field, operator });
            }}
            error={error("field")}
          />
          <Select
            label={`Operator, rule ${n}`}
            options={operators.map((op) => ({ label: OPERATOR_LABELS[op] ?? op, value: op }))}
            value={row.operator}
            onChange={(operator) => onChange({ ...row, operator })}
            disabled={!spec}
            error={error("operator")}
          />
          <TextField
            label={`Value, rule ${n}`}
            value={row.value}
            onChange={(value) => onChange({ ...row, value })}
            autoComplete="off"
            helpText={spec?.values ? spec.values.join(", ") : row.operator === "in" ? "Separate values with commas" : undefined}
            error={error("value")}
          />
          <Select
            label={`Section, rule ${n}`}
            options={[{ label: "Choose a Section", value: "", disabled: true }, ...sections.map((s) => ({ label: s.name, value: s.discriminator }))]}
            value={row.section}
            onChange={(section) => onChange({ ...row, section })}
            error={error("section")}
          />
          <Button accessibilityLabel={`Remove rule ${n}`} onClick={onRemove} tone="critical" variant="plain">
            Remove
          </Button>
        </InlineGrid>
        {row.and?.length ? <Text as="p" tone="subdued">{`and ${plural(row.and.length, "more clause")} that must also hold (kept as saved)`}</Text> : null}
        {count ? (
          <Text as="p" tone="subdued">
            <span data-testid={`condition-count-${index}`}>{`Matches ${plural(count.matches, "customer")}; ${count.picked.toLocaleString("en-US")} go to this Section (earlier rules win)`}</span>
          </Text>
        ) : null}
      </BlockStack>
    </Box>
  );
}

export function ConditionsCard({ initialRows, initialOtherwise, fields, sections }: {
  initialRows: ConditionRow[];
  initialOtherwise: string;
  fields: ConditionFieldView[];
  sections: SectionView[];
}) {
  const save = useFetcher<ApsisActionResult>({ key: "apsis-conditions" });
  const count = useFetcher<ApsisActionResult>({ key: "apsis-count" });
  const [rows, setRows] = useState<ConditionRow[]>(initialRows);
  const [otherwise, setOtherwise] = useState(initialOtherwise);
  useActionToast(save.data);
  const saveErrors = save.state === "idle" ? save.data?.errors : undefined;
  const countErrors = count.state === "idle" ? count.data?.errors : undefined;
  const errors = { ...(countErrors ?? {}), ...(saveErrors ?? {}) };
  const counts = count.state === "idle" ? count.data?.counts : undefined;
  const payload = () => JSON.stringify(conditionsPayload(rows, otherwise));
  const sectionOptions = sections.map((s) => ({ label: s.name, value: s.discriminator }));
  const firstField = fields[0];

  return (
    <Card>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">
          2. Sync conditions
        </Text>
        <Text as="p">
          Choose the Section each customer&apos;s profile goes to. Rules are checked in order and the first that matches wins;
          a customer matching no rule is not synced.
        </Text>
        {errors.form ? (
          <Banner tone="critical">
            <p>{errors.form}</p>
          </Banner>
        ) : null}
        {rows.map((row, index) => (
          <ConditionRowFields
            key={index}
            row={row}
            index={index}
            fields={fields}
            sections={sections}
            errors={errors}
            count={counts?.conditions[index]}
            onChange={(next) => setRows(rows.map((r, i) => (i === index ? next : r)))}
            onRemove={() => setRows(rows.filter((_, i) => i !== index))}
          />
        ))}
        <Box maxWidth="420px">
          <Select
            label="Otherwise (customers matching no rule above)"
            options={[{ label: "Not synced", value: "" }, ...sectionOptions]}
            value={otherwise}
            onChange={setOtherwise}
            error={errors[`conditions.${rows.length}.section`] ?? errors[`conditions.${rows.length}.always`]}
            helpText={counts && otherwise ? `${plural(counts.conditions[rows.length]?.picked ?? 0, "customer")} go here` : undefined}
          />
        </Box>
        {counts ? (
          <Text as="p">
            <span data-testid="condition-counts-summary">
              {`${plural(counts.total, "customer")} in the store; ${plural(counts.notSynced, "customer")} not synced.`}
            </span>
          </Text>
        ) : null}
        <InlineStack gap="200">
          <Button
            onClick={() =>
              setRows([...rows, { field: firstField?.key ?? "", operator: firstField?.operators[0] ?? "", value: "", section: sections[0]?.discriminator ?? "" }])
            }
          >
            Add condition
          </Button>
          <Button loading={count.state !== "idle"} onClick={() => count.submit({ intent: "count-matches", conditions: payload() }, APSIS_ACTION)}>
            Count matches
          </Button>
          <Button variant="primary" loading={save.state !== "idle"} onClick={() => save.submit({ intent: "save-conditions", conditions: payload() }, APSIS_ACTION)}>
            Save conditions
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
