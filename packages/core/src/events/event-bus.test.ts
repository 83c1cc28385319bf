import { EventBus } from './event-bus';

describe('EventBus.wants', () => {
  it('follows listeners as they are added and removed', () => {
    const bus = new EventBus();
    const fn = (): void => undefined;
    expect(bus.wants('mm_page_alloc')).toBe(false);
    bus.on('mm_page_alloc', fn);
    expect(bus.wants('mm_page_alloc')).toBe(true);
    expect(bus.wants('mm_page_free')).toBe(false);
    bus.off('mm_page_alloc', fn);
    expect(bus.wants('mm_page_alloc')).toBe(false);
  });

  it('drops a once-listener after it fired', () => {
    const bus = new EventBus();
    const seen: number[] = [];
    bus.once('mm_page_free', (p) => seen.push(p.pfn));
    expect(bus.wants('mm_page_free')).toBe(true);
    bus.emit('mm_page_free', { pfn: 7, order: 0 });
    bus.emit('mm_page_free', { pfn: 8, order: 0 });
    expect(seen).toEqual([7]);
    expect(bus.wants('mm_page_free')).toBe(false);
  });

  it('forgets everything on removeAllListeners()', () => {
    const bus = new EventBus();
    bus.on('mm_page_alloc', () => undefined);
    bus.on('mm_page_free', () => undefined);
    bus.removeAllListeners('mm_page_free');
    expect(bus.wants('mm_page_free')).toBe(false);
    expect(bus.wants('mm_page_alloc')).toBe(true);
    bus.removeAllListeners();
    expect(bus.wants('mm_page_alloc')).toBe(false);
  });
});
