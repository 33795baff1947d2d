import { BlockStack, Box, Button, DatePicker, InlineStack, Popover, Select, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { resolveRelativeRange, RelativeRangeSchema } from "../rules/choices";
import { describeChoice, parseDay, quickRanges, toDay } from "./dates";

type Range = { from: string; to: string; relative: string };

/**
 * The activity date range: a read-only field showing the range, opening a two-month range calendar with quick
 * choices. Leaves out customers whose last activity (ACTIVITY_DEFINITION, shown as help text) is outside it.
 * The quick choices and "Last N days / months" are relative (saved as such: a daily send's "This year" ends on
 * the day it runs); days picked in the calendar are fixed, and "No end date" makes "since a date".
 */
export function ActivityRangeField({ from, to, relative, onChange, today, definition, disabled, error }: Range & {
  onChange: (range: Range) => void;
  /** YYYY-MM-DD in the store's timezone. */
  today: string;
  definition: string;
  disabled?: boolean;
  error?: string;
}) {
  const [open, setOpen] = useState(false);
  const parsedRelative = RelativeRangeSchema.safeParse(relative);
  // What the calendar shows: a relative range's days as of today.
  const days = parsedRelative.success ? resolveRelativeRange(parsedRelative.data, today) : { from, to };
  const shown = parseDay(days.to) ?? parseDay(today) ?? new Date();
  // The picker shows two months; open it on the month before the range's end, so the end is on the right.
  const initial = new Date(shown.getFullYear(), shown.getMonth() - 1, 1);
  const [month, setMonth] = useState({ month: initial.getMonth(), year: initial.getFullYear() });
  const [lastCount, setLastCount] = useState("7");
  const [lastUnit, setLastUnit] = useState<"days" | "months">("days");
  const start = parseDay(days.from);
  const end = parseDay(days.to);
  const todayDate = parseDay(today) ?? undefined;
  const described = describeChoice({ from, to, relative, today });
  const lastRange = `last_${lastUnit}:${lastCount.trim()}`;
  const lastValid = RelativeRangeSchema.safeParse(lastRange).success;

  const toggle = () => {
    if (disabled) return;
    if (!open) setMonth({ month: initial.getMonth(), year: initial.getFullYear() });
    setOpen(!open);
  };
  const choose = (range: Range) => {
    onChange(range);
    const focus = parseDay(range.relative ? today : range.to) ?? todayDate ?? new Date();
    setMonth({ month: (focus.getMonth() + 11) % 12, year: focus.getMonth() === 0 ? focus.getFullYear() - 1 : focus.getFullYear() });
  };

  const activator = (
    <div onClick={toggle}>
      <TextField
        label="Customer activity between"
        name="activityRange"
        value={described}
        readOnly
        autoComplete="off"
        disabled={disabled}
        error={error}
        helpText={definition}
        connectedRight={<Button disabled={disabled}>Choose activity dates</Button>}
      />
    </div>
  );

  return (
    <Popover active={open} activator={activator} onClose={() => setOpen(false)} preferredAlignment="left" fluidContent autofocusTarget="first-node">
      <Box padding="400" maxWidth="600px">
        <BlockStack gap="300">
          <InlineStack gap="200">
            {quickRanges(today).map((range) => (
              <Button
                key={range.label}
                size="slim"
                pressed={range.relative ? range.relative === relative : !relative && !from && !to}
                onClick={() => choose({ from: "", to: "", relative: range.relative })}
              >
                {range.label}
              </Button>
            ))}
          </InlineStack>
          <InlineStack gap="200" blockAlign="end">
            <Box width="90px">
              <TextField label="Last" type="number" min={1} value={lastCount} onChange={setLastCount} autoComplete="off" />
            </Box>
            <Select
              label="Unit"
              labelHidden
              options={[
                { label: "days", value: "days" },
                { label: "months", value: "months" },
              ]}
              value={lastUnit}
              onChange={(value) => setLastUnit(value === "months" ? "months" : "days")}
            />
            <Button disabled={!lastValid} pressed={relative === lastRange} onClick={() => choose({ from: "", to: "", relative: lastRange })}>
              Use this range
            </Button>
          </InlineStack>
          <DatePicker
            month={month.month}
            year={month.year}
            onMonthChange={(m, y) => setMonth({ month: m, year: y })}
            selected={start ? { start, end: end ?? start } : undefined}
            onChange={({ start: s, end: e }) => onChange({ from: toDay(s), to: toDay(e ?? s), relative: "" })}
            allowRange
            multiMonth
            disableDatesAfter={todayDate}
          />
          <InlineStack align="space-between" blockAlign="center">
            <Text as="p" tone="subdued">
              {described}
            </Text>
            <InlineStack gap="200">
              <Button disabled={Boolean(relative) || !from || !to} onClick={() => onChange({ from, to: "", relative: "" })}>
                No end date
              </Button>
              <Button variant="primary" onClick={() => setOpen(false)}>
                Done
              </Button>
            </InlineStack>
          </InlineStack>
        </BlockStack>
      </Box>
    </Popover>
  );
}
