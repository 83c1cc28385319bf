import { injectable } from '@mmsim/core';
// A value import on purpose: a class resolved by its type needs it at runtime (toolchain.md P3).
import { PoolService } from './pool-service';

/** Depends on PoolService by class, with no token: resolved through emitted design:paramtypes. */
@injectable()
export class PoolUser {
  constructor(readonly pool: PoolService) {}
}
