import { IPageAllocator, IRandom, inject, injectable, type KernelRandom, type PageAllocator } from '@mmsim/core';

/**
 * A plugin service built by DI from the core's re-exported decorators. Interface-like
 * dependencies come in by token (@inject), so `import type` is fine for them.
 */
@injectable()
export class PoolService {
  constructor(
    @inject(IPageAllocator) readonly alloc: PageAllocator,
    @inject(IRandom) readonly random: KernelRandom,
  ) {}
}
