import { KernelError } from '../errors';
import { PAGE_MAPPING_FLAGS, encodeMapping, mappingId } from './mapping';

/**
 * The objects `page->mapping` points at (an address_space, an anon_vma, a KSM stable node, a
 * driver's movable_operations), addressed by small integer ids so a frame stores one 32-bit word
 * (mapping.ts). Ids are reused after `unregister`.
 */
export class MappingRegistry {
  private readonly objects: (object | undefined)[] = [undefined]; // id 0 is NULL
  private readonly freeIds: number[] = [];

  /** Registers an object and returns its id (never 0). */
  register(obj: object): number {
    const id = this.freeIds.pop() ?? this.objects.length;
    this.objects[id] = obj;
    return id;
  }

  unregister(id: number): void {
    if (!this.objects[id]) throw new KernelError('EINVAL', `mapping id ${id} is not registered`);
    this.objects[id] = undefined;
    this.freeIds.push(id);
  }

  /** The object behind an id, or undefined. */
  get<T extends object>(id: number): T | undefined {
    return this.objects[id] as T | undefined;
  }

  /** The object a mapping word points to (low bits masked), or undefined for NULL. */
  resolve<T extends object>(mapping: number): T | undefined {
    return this.objects[mappingId(mapping & ~PAGE_MAPPING_FLAGS)] as T | undefined;
  }

  /** A mapping word for a registered object. */
  word(id: number, bits: number): number {
    return encodeMapping(id, bits);
  }
}
