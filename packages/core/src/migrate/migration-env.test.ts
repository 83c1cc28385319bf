import { bootMigration } from './__fixtures__/migration-kernel';
import { Migration } from './migration';
import { MigrationServices } from './migration-env';

describe('MigrationServices: the fixed-shape env a Migration runs on', () => {
  it('copies the caller\'s services, leaves absent subsystems undefined and delegates folioMapping', () => {
    const k = bootMigration();
    const seen: number[] = [];
    const migration = new Migration({ ...k.env, folioMapping: (pfn) => { seen.push(pfn); return undefined; } });
    const env = migration.env;
    expect(env).toBeInstanceOf(MigrationServices);
    expect(env.mem).toBe(k.mem);
    expect(env.alloc).toBe(k.alloc);
    expect(env.locks).toBe(k.locks);
    expect(env.movable).toBe(k.env.movable);
    expect([env.lru, env.rmap, env.thp, env.hugetlb]).toEqual([undefined, undefined, undefined, undefined]);
    expect(env.folioMapping(42)).toBeUndefined();
    expect(seen).toEqual([42]);
  });

  it('a MigrationServices passed in is used as it is', () => {
    const k = bootMigration();
    const services = new MigrationServices(k.env);
    expect(new Migration(services).env).toBe(services);
  });
});
