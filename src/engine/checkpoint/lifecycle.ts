/**
 * A checkpoint's lifecycle as a table (the kafkajs transaction-manager style): every call
 * that moves a checkpoint names the states it may start from, and a refused call says which
 * state the checkpoint was in.
 *
 *   begin            (none)       → in-progress
 *   complete         in-progress  → completed
 *   fail             in-progress  → failed
 *   abortIncomplete  in-progress  → failed
 */
import type { CheckpointStatus } from './types.js';

export type LifecycleCall = 'complete' | 'fail' | 'abortIncomplete';

export const TRANSITIONS: Readonly<Record<LifecycleCall, { readonly from: readonly CheckpointStatus[]; readonly to: CheckpointStatus }>> = {
  complete: { from: ['in-progress'], to: 'completed' },
  fail: { from: ['in-progress'], to: 'failed' },
  abortIncomplete: { from: ['in-progress'], to: 'failed' },
};

export class CheckpointStateError extends Error {
  override readonly name = 'CheckpointStateError';
}

/** Throws unless `call` may move checkpoint `id` out of `status` (undefined: no such checkpoint). */
export function guardTransition(call: LifecycleCall, id: number, status: CheckpointStatus | undefined): CheckpointStatus {
  const t = TRANSITIONS[call];
  if (status === undefined) throw new CheckpointStateError(`cannot ${call} checkpoint ${id}: no such checkpoint (was it begun?)`);
  if (!t.from.includes(status)) {
    throw new CheckpointStateError(`cannot ${call} checkpoint ${id}: it is ${status}, ${call} is allowed only from ${t.from.join(' or ')}`);
  }
  return t.to;
}
