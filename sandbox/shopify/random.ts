/**
 * A small, fast, seedable PRNG (mulberry32). Faker's own Mersenne Twister costs ~90 µs per reseed, which
 * is 90 s for a 1M-customer store; seeding this one per customer is free, so `seedCustomer` stays a pure
 * function. A class rather than closures: nothing is allocated per call on the hot path.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(minInclusive: number, maxInclusive: number): number {
    return minInclusive + Math.floor(this.next() * (maxInclusive - minInclusive + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  weighted<K>(table: WeightTable<K>): K {
    const roll = this.next() * table.total;
    let i = 0;
    while (i < table.cumulative.length - 1 && roll >= table.cumulative[i]) i++;
    return table.keys[i];
  }
}

export type WeightTable<K> = { readonly keys: readonly K[]; readonly cumulative: readonly number[]; readonly total: number };

/** Relative weights, prepared once so `Random.weighted` allocates nothing. */
export function weights<K extends string>(record: Readonly<Record<K, number>>): WeightTable<K> {
  const keys = Object.keys(record) as K[];
  let total = 0;
  const cumulative = keys.map((key) => (total += record[key]));
  return { keys, cumulative, total };
}

/** Mixes two 32-bit values into one seed (murmur3 finaliser), so neighbouring indexes get unrelated streams. */
export function mixSeed(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be59b, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Deterministic Fisher–Yates shuffle (a copy). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = new Random(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
