import { Badge } from "@shopify/polaris";

export function InvitationBadge({ state }: { state: string }) {
  if (state === "invited") return <Badge tone="success">Invited</Badge>;
  if (state === "revoked") return <Badge tone="critical">Revoked</Badge>;
  return <Badge tone="attention">Pending invitation</Badge>;
}
