// Deterministic bucketing, byte for byte as segmently/core/assignment.py (docs/hashing.md):
//   h(seed, salt, id) = fmix32(crc32(utf8(seed + "\x1f" + salt + "\x1f" + id)))
//   bucket = floor(h * 10000 / 2^32); included = bucket("traffic") < traffic_bp;
//   variant = first i with bucket("variant") < cumulative_bp[i].
// CRC-32 (IEEE, reflected, as zlib.crc32), bit by bit: for the few dozen bytes hashed per
// experiment this is cheaper than building the 256-entry table first, and smaller.
function crc32(bytes: Uint8Array): number {
  let crc = -1;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i];
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ -1) >>> 0;
}

// MurmurHash3's 32-bit finalizer.
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The bucket in [0, 10000); TextEncoder turns lone surrogates into U+FFFD like Python's side. */
export function bucket(seed: string, salt: string, id: string): number {
  const h = fmix32(crc32(new TextEncoder().encode(seed + "\x1f" + salt + "\x1f" + id)));
  return Math.floor((h * 10000) / 4294967296); // h * 10^4 < 2^46: exact in a double
}

/** The variant index for ``id``, or -1 when the traffic percentage leaves it out. */
export function assign(seed: string, traffic: number, weights: number[], id: string): number {
  if (bucket(seed, "traffic", id) >= Math.round(traffic * 100)) return -1;
  const total = weights.reduce((a, b) => a + b, 0);
  const b = bucket(seed, "variant", id);
  let cumulative = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += total === 10000 ? weights[i] : weights[i] * 100;
    if (b < cumulative) return i;
  }
  return -1;
}
