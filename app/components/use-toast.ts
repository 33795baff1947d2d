import { useAppBridge } from "@shopify/app-bridge-react";
import { useEffect } from "react";

/** What the Adestra actions answer: `{ toast }` on success, `{ errors }` (422) on bad input. */
export type ActionResult = {
  ok?: boolean;
  toast?: string;
  errors?: Partial<Record<string, string>>;
};

/**
 * Shows an action's success message as an App Bridge toast (house style), once per answer. App Bridge exists
 * only in the browser; effects only run there.
 */
export function useActionToast(data: ActionResult | undefined) {
  const shopify = useAppBridge();
  useEffect(() => {
    if (data?.toast) shopify.toast.show(data.toast);
  }, [data, shopify]);
}
