import type { ShopContext } from "../../../models/shop.server";
import { formatDateTime } from "../../../utils/format-date";
import { describeAdestraError } from "../account.server";
import { getAdestraConnection } from "../connection.server";
import { listAdestraLists } from "../lists.server";
import { ACTIVITY_DEFINITION, type SendChoices } from "../rules/choices";
import { getSendSettings } from "../send-settings.server";
import { getSendStatus } from "../send.server";
import { toSendStatusView } from "./status.server";
import { todayIn } from "../../../utils/format-date";
import { emptyChoices, type SendChoicesValue } from "./types";

/** The choices as the form shows them, from what the settings service stored. */
function toChoicesValue(choices: SendChoices | null | undefined): SendChoicesValue {
  if (!choices) return emptyChoices;
  return {
    profileGroup: choices.profileGroup === "all" ? "all" : "subscribers",
    listId: choices.listId != null ? String(choices.listId) : "",
    activityFrom: choices.activityFrom ?? "",
    activityTo: choices.activityTo ?? "",
    activityRelative: choices.activityRelative ?? "",
  };
}

/**
 * What the Data Sync page shows, built from the use-cases for the shop: the connection, the lists (read live
 * from Adestra), the send status and both tabs' saved choices as the forms hold them. Dates are formatted in the
 * store's timezone.
 */
export async function getDataSyncPageView({ shop }: { shop: ShopContext }) {
  const timeZone = shop.ianaTimezone;
  const connection = await getAdestraConnection({ shop });
  if (!connection.connected) return { connected: false as const };

  // The lists come from Adestra itself: when it cannot be reached the page still opens and says so.
  type Lists = { found: { id: number; name: string }[]; error: string | null };
  const [lists, status, settings] = await Promise.all([
    connection.coreTable
      ? listAdestraLists({ shop }).then(
          (found): Lists => ({ found, error: null }),
          (error: unknown): Lists => ({ found: [], error: describeAdestraError(error) }),
        )
      : ({ found: [], error: null } as Lists),
    getSendStatus({ shop }),
    getSendSettings({ shop }),
  ]);
  return {
    connected: true as const,
    accountName: connection.accountName,
    coreTable: connection.coreTable,
    lists: lists.found.map((list) => ({ id: list.id, name: list.name })),
    listsError: lists.error,
    status: toSendStatusView(status, timeZone),
    onDemand: toChoicesValue(settings.onDemand),
    auto: {
      choices: toChoicesValue(settings.auto.choices),
      enabled: settings.auto.enabled,
      timeOfDay: settings.auto.timeOfDay,
      nextRunAt: formatDateTime(settings.auto.nextRunAt, timeZone),
    },
    today: todayIn(timeZone),
    timeZone,
    activityDefinition: ACTIVITY_DEFINITION,
  };
}
