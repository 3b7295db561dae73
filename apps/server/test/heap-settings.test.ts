import { describe, expect, it } from 'vitest';
import { heapFlagsFor, missingStartFlags, startFlagsFor } from '../src/heap-settings.ts';
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

  it("collect on the event loop's own thread where a node only decides, alone on one core", () => {
    expect(startFlagsFor(roles('decide'), 1)).toEqual(['--single-threaded-gc']);
    expect(startFlagsFor(roles('decide'), 2)).toEqual([]);
    expect(startFlagsFor(roles('decide', 'ingest'), 1)).toEqual([]);
    expect(startFlagsFor(roles('detect', 'notify', 'web'), 1)).toEqual([]);
  });

  it('name the start flags a node lacks, and none once it was started with them', () => {
    expect(missingStartFlags(roles('decide'), 1, ['--import', 'x'])).toEqual(['--single-threaded-gc']);
    expect(missingStartFlags(roles('decide'), 1, ['--single-threaded-gc'])).toEqual([]);
  });
});
