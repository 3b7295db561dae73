/** Picks where a client connects from: its country's access networks, or a hosting provider. */
import type { CountryProfile } from '../catalog/countries.catalog.ts';
import { ACCESS_NETWORKS, HOSTING_NETWORKS } from '../catalog/networks.catalog.ts';
import type { Random } from '../random/prng.ts';
import { pick } from '../random/sampling.ts';
import { compileBlock, randomAddress, type ClientAddress, type CompiledBlock } from './ip-address.ts';

const ACCESS_BLOCKS = new Map(Object.entries(ACCESS_NETWORKS).map(([iso, blocks]) => [iso, blocks.map(compileBlock)] as const));

/** Every access block of every country: the exits residential proxy networks rent out. */
export const ALL_ACCESS_BLOCKS: readonly CompiledBlock[] = [...ACCESS_BLOCKS.values()].flat();

export const HOSTING_BLOCKS: readonly CompiledBlock[] = HOSTING_NETWORKS.map(compileBlock);

function accessBlocks(country: CountryProfile): readonly CompiledBlock[] {
  const blocks = ACCESS_BLOCKS.get(country.iso);
  if (!blocks || blocks.length === 0) throw new RangeError(`no access networks for ${country.iso}`);
  return blocks;
}

/** A real user's address: usually a carrier or ISP of their country, sometimes a VPN or office egress. */
export function userAddress(r: Random, country: CountryProfile, hostingShare: number): ClientAddress {
  const blocks = r.next() < hostingShare ? HOSTING_BLOCKS : accessBlocks(country);
  return randomAddress(r, pick(r, blocks));
}
