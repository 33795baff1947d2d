import { forwardRef, type ComponentProps, type ReactNode } from "react";
import { Link } from "@remix-run/react";
import { AppProvider, type AppProviderProps } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";

type LinkLikeComponentProps = ComponentProps<NonNullable<AppProviderProps["linkComponent"]>>;

/** Polaris links and url-buttons navigate through Remix, so navigation stays client side (and inside the admin frame). */
export const RemixPolarisLink = forwardRef<HTMLAnchorElement, LinkLikeComponentProps>(function RemixPolarisLink(
  { url, children, external, ...rest },
  ref,
) {
  if (external) {
    return (
      <a {...rest} href={url} ref={ref} target="_blank" rel="noopener noreferrer">
        {children}
      </a>
    );
  }
  return (
    <Link {...rest} to={url} ref={ref}>
      {children}
    </Link>
  );
});

/** Polaris with its English strings and the Remix link, without App Bridge (public and internal pages). */
export function PolarisProvider({ children }: { children: ReactNode }) {
  return (
    <AppProvider i18n={en} linkComponent={RemixPolarisLink}>
      {children}
    </AppProvider>
  );
}
