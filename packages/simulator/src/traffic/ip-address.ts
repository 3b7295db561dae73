/** IPv4 addresses inside the catalogue's network blocks. */
import type { NetworkBlock } from '../catalog/networks.catalog.ts';
import type { Random } from '../random/prng.ts';
import { intBelow } from '../random/sampling.ts';
import { createFlatIdWriter } from '../format/flat-id-writer.ts';

/** A client's network position as the wire carries it. */
export interface ClientAddress {
  ip: string;
  asn: number;
}

export interface CompiledBlock extends NetworkBlock {
  firstIp: number;
  size: number;
}

const OCTET = 256;

export function compileBlock(block: NetworkBlock): CompiledBlock {
  const [address = '', bits = ''] = block.cidr.split('/');
  const firstIp = address.split('.').reduce((value, octet) => value * OCTET + Number(octet), 0);
  return { ...block, firstIp, size: 2 ** (32 - Number(bits)) };
}

const writer = createFlatIdWriter();

function formatIpv4(value: number): string {
  return writer
    .decimal(Math.floor(value / 16_777_216) % OCTET)
    .text('.')
    .decimal(Math.floor(value / 65_536) % OCTET)
    .text('.')
    .decimal(Math.floor(value / OCTET) % OCTET)
    .text('.')
    .decimal(value % OCTET)
    .done();
}

/** A host address in the block, never its network or broadcast address. */
export function randomAddress(r: Random, block: CompiledBlock): ClientAddress {
  return { ip: formatIpv4(block.firstIp + 1 + intBelow(r, block.size - 2)), asn: block.asn };
}
