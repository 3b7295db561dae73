import { readFileSync } from 'node:fs';

/** A file named on the command line, read whole; a missing or unreadable one is an error that names it. */
export function readInputFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
}
