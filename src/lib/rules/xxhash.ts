/**
 * xxHash64 (seed 0), as Prometheus' labels.Hash uses it (cespare/xxhash). Used once per rule group
 * to compute its evaluation offset, so BigInt arithmetic is fine here.
 */
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;
const M = (1n << 64n) - 1n;

const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
const round = (acc: bigint, input: bigint) => (rotl((acc + input * P2) & M, 31n) * P1) & M;
const merge = (acc: bigint, val: bigint) => ((((acc ^ round(0n, val)) * P1) & M) + P4) & M;

export function xxhash64(b: Uint8Array): bigint {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length;
  let i = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (P1 + P2) & M;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (0n - P1) & M;
    for (; i + 32 <= n; i += 32) {
      v1 = round(v1, dv.getBigUint64(i, true));
      v2 = round(v2, dv.getBigUint64(i + 8, true));
      v3 = round(v3, dv.getBigUint64(i + 16, true));
      v4 = round(v4, dv.getBigUint64(i + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = merge(h, v1);
    h = merge(h, v2);
    h = merge(h, v3);
    h = merge(h, v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(n)) & M;
  for (; i + 8 <= n; i += 8) {
    h ^= round(0n, dv.getBigUint64(i, true));
    h = ((rotl(h, 27n) * P1) & M) + P4;
    h &= M;
  }
  if (i + 4 <= n) {
    h ^= (BigInt(dv.getUint32(i, true)) * P1) & M;
    h = ((rotl(h, 23n) * P2) & M) + P3;
    h &= M;
    i += 4;
  }
  for (; i < n; i++) {
    h ^= (BigInt(b[i]!) * P5) & M;
    h = (rotl(h, 11n) * P1) & M;
  }
  h ^= h >> 33n;
  h = (h * P2) & M;
  h ^= h >> 29n;
  h = (h * P3) & M;
  h ^= h >> 32n;
  return h;
}

/** Prometheus' labels.Hash over name/value pairs (sorted by name): name 0xff value 0xff … */
export function labelsHash(pairs: readonly [string, string][]): bigint {
  const parts: number[] = [];
  for (const [k, v] of pairs) {
    parts.push(...Buffer.from(k, 'utf8'), 0xff, ...Buffer.from(v, 'utf8'), 0xff);
  }
  return xxhash64(Uint8Array.from(parts));
}
