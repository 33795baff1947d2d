import { useFetcher } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, DataTable, InlineStack, Select, Text } from "@shopify/polaris";
import { useState } from "react";
import { useActionToast } from "../../../components/use-toast";
import { SectionSelect } from "./section-select";
import { APSIS_ACTION, TYPE_LABELS, type ApsisActionResult, type AttributeType, type SectionView, type ShopifyFieldView } from "./types";

/** Section → Shopify field key → attribute discriminator. */
export type AttributeMappingState = Record<string, Record<string, string>>;

/**
 * The problems the action would refuse, found in the browser before saving: a field into an attribute of an
 * incompatible type (the same table as attribute-values.ts COMPATIBLE_TYPES, sent by the loader), or one attribute fed twice.
 */
export function mappingProblems(mapping: Record<string, string>, section: SectionView, fields: ShopifyFieldView[], compatible: Record<AttributeType, readonly AttributeType[]>) {
  const problems: Record<string, string> = {};
  const used = new Map<string, string>();
  for (const field of fields) {
    const attribute = mapping[field.key];
    if (!attribute) continue;
    const definition = section.attributes.find((a) => a.discriminator === attribute);
    if (!definition) {
      problems[field.key] = "The Section has no such attribute";
      continue;
    }
    if (definition.type && !compatible[field.type].includes(definition.type)) {
      problems[field.key] = `Type mismatch: ${field.label} is ${TYPE_LABELS[field.type]} but "${definition.name}" is ${TYPE_LABELS[definition.type]}`;
      continue;
    }
    const other = used.get(attribute);
    if (other) problems[field.key] = `"${definition.name}" is already mapped from ${fields.find((f) => f.key === other)?.label}`;
    else used.set(attribute, field.key);
  }
  return problems;
}

export function AttributeMappingCard({ sections, section, onSectionChange, fields, compatible, saved }: {
  sections: SectionView[];
  section: string;
  onSectionChange: (section: string) => void;
  fields: ShopifyFieldView[];
  compatible: Record<AttributeType, readonly AttributeType[]>;
  saved: AttributeMappingState;
}) {
  const save = useFetcher<ApsisActionResult>({ key: "apsis-attributes" });
  const [mappings, setMappings] = useState<AttributeMappingState>(saved);
  useActionToast(save.data);
  const current = sections.find((s) => s.discriminator === section);
  if (!current) return null;
  const mapping = mappings[section] ?? {};
  const problems = mappingProblems(mapping, current, fields, compatible);
  const serverErrors = save.state === "idle" && save.data?.errors ? save.data.errors : {};
  const setField = (field: string, attribute: string) => setMappings({ ...mappings, [section]: { ...mapping, [field]: attribute } });
  const guess = () => setMappings({ ...mappings, [section]: Object.fromEntries(current.guesses.map((g) => [g.field, g.attribute])) });
  const options = [
    { label: "Not mapped", value: "" },
    ...current.attributes.map((a) => ({ label: `${a.name}${a.type ? ` (${TYPE_LABELS[a.type]})` : ""}`, value: a.discriminator })),
  ];
  const mapped = fields.filter((f) => mapping[f.key]).length;
  const problemCount = Object.keys(problems).length;

  const rows = fields.map((field) => [
    <BlockStack key="f" gap="050">
      <Text as="span" fontWeight="semibold">{field.label}</Text>
      <Text as="span" tone="subdued" variant="bodySm">{TYPE_LABELS[field.type]}{field.description ? ` · ${field.description}` : ""}</Text>
    </BlockStack>,
    <Box key="a" minWidth="260px">
      <Select
        label={`APSIS attribute for ${field.label}`}
        labelHidden
        options={options}
        value={mapping[field.key] ?? ""}
        onChange={(value) => setField(field.key, value)}
        error={serverErrors[`mappings.${field.key}`] ?? problems[field.key]}
      />
    </Box>,
  ]);

  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingMd">
            3. Attribute mapping
          </Text>
          <Badge>{`${mapped} mapped`}</Badge>
          {problemCount ? <Badge tone="critical">{`${problemCount} to fix`}</Badge> : null}
        </InlineStack>
        <Text as="p">Which Shopify customer field is written to which attribute of the Section. Fields not mapped are not sent.</Text>
        <Box maxWidth="420px">
          <SectionSelect label="Section to map attributes for" sections={sections} value={section} onChange={onSectionChange} />
        </Box>
        {serverErrors.form ? (
          <Banner tone="critical">
            <p>{serverErrors.form}</p>
          </Banner>
        ) : null}
        {problemCount ? (
          <Banner tone="critical" title="Some mappings cannot be saved">
            <p>Fix the fields marked below: a value of one type cannot be written to an attribute of another.</p>
          </Banner>
        ) : null}
        <DataTable columnContentTypes={["text", "text"]} headings={["Shopify field", "APSIS attribute"]} rows={rows} verticalAlign="middle" />
        <InlineStack gap="200">
          <Button onClick={guess}>Guess mappings</Button>
          <Button
            variant="primary"
            loading={save.state !== "idle"}
            onClick={() =>
              save.submit(
                {
                  intent: "save-attributes",
                  section,
                  mappings: JSON.stringify(fields.filter((f) => mapping[f.key]).map((f) => ({ field: f.key, attribute: mapping[f.key] }))),
                },
                APSIS_ACTION,
              )
            }
          >
            Save attribute mapping
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
