import { KernelError } from '../errors';
import { PhysicalMemory } from './physical-memory';
import { MachineConfigSchema, type MachineConfigInput } from './machine-config';
import { ZoneType } from './zone-type';

function zones(input: MachineConfigInput) {
  const mem = new PhysicalMemory(MachineConfigSchema.parse(input));
  return { mem, z: mem.zones.filter((zone) => zone && zone.spannedPages > 0).map((zone) => [zone.nid, zone.name, zone.zoneStartPfn, zone.spannedPages, zone.presentPages, zone.managedPages]) };
}

describe('machine layout (mm/mm_init.c: zone_spanned_pages_in_node, find_zone_movable_pfns_for_nodes)', () => {
  it('x86_64 two nodes of 2 GiB: DMA32 below 4 GiB, the PCI hole inside node 1, memmap and kernel reserved', () => {
    const { z, mem } = zones({ nodes: [{ memory: '2GiB' }, { memory: '2GiB' }] });
    expect(z).toEqual([
      // node 0: 1 MiB firmware + 16 MiB image + 8192 memmap pages reserved
      [0, 'DMA32', 0, 524288, 524288, 524288 - 256 - 4096 - 8192],
      // node 1: DMA32 spans 2..4 GiB with the hole at 3..4 GiB
      [1, 'DMA32', 524288, 524288, 262144, 262144],
      // node 1 Normal: its memmap reserved top-down
      [1, 'Normal', 1048576, 262144, 262144, 262144 - 8192],
    ]);
    expect(mem.nodes[1]!.nodeSpannedPages).toBe(786432);
    expect(mem.nodes[1]!.nodePresentPages).toBe(524288);
    expect(mem.pfnValid(0xc0000)).toBe(false); // 3 GiB: in the PCI hole
    expect(mem.pfnValid(0x100000)).toBe(true);
  });

  it('builds zonelists by distance, highest zone first (build_zonelists)', () => {
    const { mem } = zones({ nodes: [{ memory: '2GiB' }, { memory: '2GiB' }] });
    expect(mem.nodes[0]!.zonelistFallback.map((zone) => `${zone.nid}:${zone.name}`)).toEqual(['0:DMA32', '1:Normal', '1:DMA32']);
    expect(mem.nodes[1]!.zonelistFallback.map((zone) => `${zone.nid}:${zone.name}`)).toEqual(['1:Normal', '1:DMA32', '0:DMA32']);
    expect(mem.nodes[1]!.zonelistNoFallback.map((zone) => `${zone.nid}:${zone.name}`)).toEqual(['1:Normal', '1:DMA32']);
  });

  it.each([
    [{ movablecore: '256MiB' }],
    [{ kernelcore: '75%' }],
    [{ movablecore: '25%' }],
    [{ kernelcore: '768MiB', movablecore: '512MiB' }], // movable = min(512 MiB, total - kernelcore)
  ])('carves ZONE_MOVABLE from the top of the node: %p', (opts) => {
    const { z } = zones({ nodes: [{ memory: '1GiB' }], layout: 'flat', ...opts });
    expect(z).toEqual([
      [0, 'Normal', 0, 196608, 196608, 196608 - 4096],
      [0, 'Movable', 196608, 65536, 65536, 65536],
    ]);
  });

  it('spreads movablecore evenly over the nodes', () => {
    const { mem } = zones({ nodes: [{ memory: '1GiB' }, { memory: '1GiB' }], layout: 'flat', movablecore: '512MiB' });
    expect(mem.nodes.map((n) => n.zones[ZoneType.MOVABLE]!.presentPages)).toEqual([65536, 65536]);
  });

  it('reserves ZONE_DEVICE pfn space above RAM, section aligned, not present', () => {
    const { mem } = zones({ nodes: [{ memory: '1GiB' }], layout: 'flat', device: [{ node: 0, size: '256MiB' }] });
    const dev = mem.nodes[0]!.zones[ZoneType.DEVICE]!;
    expect([dev.zoneStartPfn, dev.spannedPages, dev.presentPages, dev.managedPages]).toEqual([262144, 65536, 0, 0]);
    expect(mem.layout.maxPfn).toBe(262144 + 65536);
    expect(mem.frames.zoneId(262144)).toBe(dev.id);
    expect(mem.pfnValid(262144)).toBe(false);
  });

  it.each([
    [{ nodes: [{ memory: '3MiB' }] }, /nodes\[0\]\.memory is 3MiB; it must be a non-zero multiple of 4MiB/],
    [{ nodes: [{ memory: 'much' }] }, /nodes\[0\]\.memory "much" is not a size/],
    [{ nodes: [{ memory: '16MiB' }] }, /kernelImage .* does not fit in node 0/],
    [{ nodes: [{ memory: '64MiB' }], layout: 'flat', device: [{ node: 1, size: '4MiB' }] }, /device\[0\]\.node is 1 but the machine has 1 node/],
    [{ nodes: [{ memory: '64MiB' }, { memory: '64MiB' }], layout: 'flat', distance: [[10, 20]] }, /distance must be a 2x2 matrix/],
    [{ nodes: [{ memory: '64MiB' }], layout: 'flat', movablecore: '150%' }, /movablecore=150% is more than 100%/],
  ])('rejects %p with a KernelError saying what to fix', (input, message) => {
    const build = () => new PhysicalMemory(MachineConfigSchema.parse(input));
    expect(build).toThrow(KernelError);
    expect(build).toThrow(message);
  });

  it('rejects unknown keys in the machine config (zod strict)', () => {
    expect(() => MachineConfigSchema.parse({ nodes: [{ memory: '64MiB', numa: true }] })).toThrow(/numa/);
  });
});
