import type { MmStruct } from './mm';

export type Capability = 'CAP_SYS_NICE' | 'CAP_SYS_PTRACE' | 'CAP_SYS_ADMIN';

/** include/linux/cred.h: the parts of struct cred the mm syscalls check. */
export interface Cred {
  uid: number;
  caps: Set<Capability>;
}

/** include/linux/sched.h: the parts of task_struct the vm layer uses. */
export class Process {
  exited = false;
  constructor(
    readonly pid: number,
    readonly comm: string,
    readonly cred: Cred,
    readonly mm: MmStruct,
  ) {}
}
