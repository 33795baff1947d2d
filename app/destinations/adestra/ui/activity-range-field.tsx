import { BlockStack, Box, Button, DatePicker, InlineStack, Popover, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { describeRange, parseDay, quickRanges, toDay } from "./dates";

/**
 * The activity date range: a read-only field showing the range, opening a two-month range calendar with quick
 * choices. Leaves out customers whose last activity (ACTIVITY_DEFINITION, shown as help text) is outside it.
 */
export function ActivityRangeField({ from, to, onChange, today, definition, disabled, error }: {
  from: string;
  to: string;
  onChange: (range: { from: string; to: string }) => void;
  /** YYYY-MM-DD in the store's timezone. */
  today: string;
  definition: string;
  disabled?: boolean;
  error?: string;
}) {
  const [open, setOpen] = useState(false);
  const shown = parseDay(to) ?? parseDay(today) ?? new Date();
  // The picker shows two months; open it on the month before the range's end, so the end is on the right.
  const initial = new Date(shown.getFullYear(), shown.getMonth() - 1, 1);
  const [month, setMonth] = useState({ month: initial.getMonth(), year: initial.getFullYear() });
  const start = parseDay(from);
  const end = parseDay(to);
  const todayDate = parseDay(today) ?? undefined;

  const toggle = () => {
    if (disabled) return;
    if (!open) setMonth({ month: initial.getMonth(), year: initial.getFullYear() });
    setOpen(!open);
  };

  const activator = (
    <div onClick={toggle}>
      <TextField
        label="Customer activity between"
        name="activityRange"
        value={describeRange(from, to)}
        readOnly
        autoComplete="off"
        disabled={disabled}
        error={error}
        helpText={definition}
        connectedRight={
          <Button disabled={disabled} accessibilityLabel="Choose activity dates">
            Choose dates
          </Button>
        }
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
                  pressed={range.from === from && range.to === to}
                  onClick={() => {
                    onChange({ from: range.from, to: range.to });
                    const focus = parseDay(range.to) ?? todayDate ?? new Date();
                    setMonth({ month: (focus.getMonth() + 11) % 12, year: focus.getMonth() === 0 ? focus.getFullYear() - 1 : focus.getFullYear() });
                  }}
                >
                  {range.label}
                </Button>
              ))}
            </InlineStack>
            <DatePicker
              month={month.month}
              year={month.year}
              onMonthChange={(m, y) => setMonth({ month: m, year: y })}
              selected={start ? { start, end: end ?? start } : undefined}
              onChange={({ start: s, end: e }) => onChange({ from: toDay(s), to: toDay(e ?? s) })}
              allowRange
              multiMonth
              disableDatesAfter={todayDate}
            />
            <InlineStack align="space-between" blockAlign="center">
              <Text as="p" tone="subdued">
                {describeRange(from, to)}
              </Text>
              <Button variant="primary" onClick={() => setOpen(false)}>
                Done
              </Button>
            </InlineStack>
          </BlockStack>
        </Box>
    </Popover>
  );
}
