import { describe, expect, it } from 'vitest';
import { heapFlagsFor } from '../src/heap-settings.ts';
import type { NodeRole } from '../src/node-roles.ts';

const roles = (...names: NodeRole[]) => new Set<NodeRole>(names);

describe('heap settings by role', () => {
  it('keep a deciding node at its working heap size when traffic pauses', () => {
    expect(heapFlagsFor(roles('decide'))).toContain('--no-memory-reducer');
    expect(heapFlagsFor(roles('decide', 'ingest', 'detect', 'notify', 'web'))).toContain('--no-memory-reducer');
  });

  it('stop pretenuring only where the node relays provider calls and does not ingest', () => {
    expect(heapFlagsFor(roles('decide'))).toContain('--no-allocation-site-pretenuring');
    expect(heapFlagsFor(roles('decide', 'ingest'))).not.toContain('--no-allocation-site-pretenuring');
  });

  it('leave a node that does not decide to V8 defaults', () => {
    expect(heapFlagsFor(roles('ingest', 'detect', 'notify', 'web'))).toEqual([]);
  });
});
