import { MigrateMode, type MovableOperations, type Page } from '@mmsim/core';
import type { BalloonDevInfo } from './balloon-dev-info';

/**
 * balloon_mops (mm/balloon_compaction.c, v6.6–v6.10): the movable_operations every balloon page
 * points at. The kernel finds the device through page->private (balloon_page_device()); mmsim's
 * driver has one device per kernel, so the ops hold it directly.
 */
export class BalloonMovableOps implements MovableOperations {
  constructor(private readonly bDevInfo: BalloonDevInfo) {}

  /** .isolate_page = balloon_page_isolate: off the list, isolated_pages++, always true. */
  isolatePage(page: Page, _mode: number): boolean {
    return this.bDevInfo.balloonPageIsolate(page);
  }

  /** .migrate_page = balloon_page_migrate: -EINVAL for MIGRATE_SYNC_NO_COPY, else the driver's callback. */
  migratePage(dst: Page, src: Page, mode: MigrateMode): number {
    return this.bDevInfo.balloonPageMigrate(dst, src, mode);
  }

  /** .putback_page = balloon_page_putback: back on the list, isolated_pages--. */
  putbackPage(page: Page): void {
    this.bDevInfo.balloonPagePutback(page);
  }
}
