import { Select } from "@shopify/polaris";
import type { SectionView } from "./types";

/** The Section whose mapping is shown (shared by the attribute and consent cards). */
export function SectionSelect({ label, sections, value, onChange }: { label: string; sections: SectionView[]; value: string; onChange: (value: string) => void }) {
  return <Select label={label} options={sections.map((s) => ({ label: s.name, value: s.discriminator }))} value={value} onChange={onChange} />;
}
