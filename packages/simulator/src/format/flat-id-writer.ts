/**
 * Builds id and address strings from character codes. A simulated day creates millions of ids;
 * a template-literal id is a tree of string pieces the garbage collector must copy piece by
 * piece (billing lines keep theirs for hours), so ids are written into one flat string instead.
 */
const HEX_CODES = Array.from('0123456789abcdef', (char) => char.charCodeAt(0));
const CROCKFORD_BASE32_CODES = Array.from('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (char) => char.charCodeAt(0));
const BITS_PER_HEX_DIGIT = 4;
const HEX_DIGIT_MASK = 0xf;
const BASE32 = 32;
/** Decimal strings of 0-255 (IPv4 octets) computed once. */
const DECIMAL_STRINGS = Array.from({ length: 256 }, (_, value) => String(value));

export interface FlatIdWriter {
  text(value: string): FlatIdWriter;
  /** The low `digits` hex digits of a 32-bit value, lowercase. */
  hex(value: number, digits: number): FlatIdWriter;
  /** `digits` Crockford base-32 digits of a non-negative integer (most significant first). */
  base32(value: number, digits: number): FlatIdWriter;
  /** A non-negative integer in decimal. */
  decimal(value: number): FlatIdWriter;
  /** The id written so far, as one flat string; resets the writer. */
  done(): string;
}

export function createFlatIdWriter(): FlatIdWriter {
  const codes: number[] = [];
  const writer: FlatIdWriter = {
    text(value) {
      for (let i = 0; i < value.length; i += 1) codes.push(value.charCodeAt(i));
      return writer;
    },
    hex(value, digits) {
      for (let digit = digits - 1; digit >= 0; digit -= 1) {
        codes.push(HEX_CODES[(value >>> (digit * BITS_PER_HEX_DIGIT)) & HEX_DIGIT_MASK] ?? 0);
      }
      return writer;
    },
    base32(value, digits) {
      const start = codes.length;
      let rest = Math.floor(value);
      // Least significant digit first, each written to its final position.
      for (let digit = digits - 1; digit >= 0; digit -= 1) {
        codes[start + digit] = CROCKFORD_BASE32_CODES[rest % BASE32] ?? 0;
        rest = Math.floor(rest / BASE32);
      }
      return writer;
    },
    decimal(value) {
      return writer.text(DECIMAL_STRINGS[value] ?? String(value));
    },
    done() {
      const id = String.fromCharCode(...codes);
      codes.length = 0;
      return id;
    },
  };
  return writer;
}
