/**
 * The loop both destination benches share: each store size measured both ways (per-record path, then import
 * path), BENCH_RUNS times each, the median run printed as the bench words it, and the import path's speed-up.
 * Stores above `perRecordMax` are not run profile by profile: their per-record pace is the largest measured
 * one's, marked extrapolated.
 */
export type Path = "per-record" | "import";

export async function sideBySide<R>({ sizes, runs, perRecordMax, measure, rateOf, row }: {
  sizes: number[];
  runs: number;
  perRecordMax: number;
  measure: (customers: number, path: Path) => Promise<R>;
  /** Profiles written per second in one result. */
  rateOf: (result: R) => number;
  /** The printed columns after the size and the path. */
  row: (result: R, rate: number) => string;
}): Promise<{ customers: number; path: Path; result: R }[]> {
  const medians: { customers: number; path: Path; result: R }[] = [];
  const lead = (customers: number, path: Path) => `${String(customers).padStart(9)}  ${path.padEnd(10)}`;
  let perRecordRate: number | null = null;
  for (const customers of sizes) {
    const rates: Partial<Record<Path, { rate: number; extrapolated: boolean }>> = {};
    for (const path of ["per-record", "import"] as const) {
      if (path === "per-record" && customers > perRecordMax) {
        if (perRecordRate !== null) {
          rates[path] = { rate: perRecordRate, extrapolated: true };
          console.log(`${lead(customers, path)}  (not run: ${(customers / perRecordRate / 3600).toFixed(1)} hours at the measured ${perRecordRate.toFixed(1)} profiles/s, extrapolated)`);
        }
        continue;
      }
      const results: R[] = [];
      for (let i = 0; i < runs; i++) {
        results.push(await measure(customers, path));
        console.error(`  ${customers} ${path}: run ${i + 1}/${runs} ${JSON.stringify(results.at(-1))}`);
      }
      const sorted = [...results].sort((a, b) => rateOf(a) - rateOf(b));
      const mid = sorted[Math.floor(sorted.length / 2)];
      const rate = rateOf(mid);
      rates[path] = { rate, extrapolated: false };
      if (path === "per-record") perRecordRate = rate;
      medians.push({ customers, path, result: mid });
      console.log(`${lead(customers, path)}  ${row(mid, rate)}`);
    }
    if (rates["per-record"] && rates.import) {
      const ratio = rates.import.rate / rates["per-record"].rate;
      console.log(`${String(customers).padStart(9)}  import path ÷ per-record path: ${ratio.toFixed(1)}x profiles/s${rates["per-record"].extrapolated ? " (per-record extrapolated)" : ""}`);
    }
  }
  return medians;
}

export const phaseLine = (phases: Record<string, number>) =>
  Object.entries(phases).map(([phase, seconds]) => `${phase} ${seconds.toFixed(1)}`).join(", ");
