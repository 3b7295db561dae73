/**
 * A seeded 32-bit hash of a string (multiply-xorshift per character, murmur3's finalizer at the
 * end): a few nanoseconds for the 64 characters of a phone hash, for tables that place strings
 * themselves. Chaining calls (the last hash as the next seed) hashes a tuple of strings.
 */
export function hashString(text: string, seed: number): number {
  let h = seed ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
