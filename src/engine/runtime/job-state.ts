/**
 * A job's lifecycle as a transition table (kafkajs's transaction manager style): every
 * state change goes through {@link JobLifecycle.to}, and an illegal one fails with an
 * error that names both states. CHECKPOINTING is not a job state: checkpoints run
 * concurrently with RUNNING and have their own status.
 */
export type JobState = 'CREATED' | 'RUNNING' | 'FAILING' | 'RESTARTING' | 'CANCELLING' | 'CANCELED' | 'FINISHED' | 'FAILED';

const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  CREATED: ['RUNNING', 'FAILING', 'CANCELLING', 'FAILED'],
  RUNNING: ['FAILING', 'CANCELLING', 'FINISHED'],
  FAILING: ['RESTARTING', 'FAILED', 'CANCELLING'],
  RESTARTING: ['RUNNING', 'FAILING', 'CANCELLING', 'FAILED'],
  CANCELLING: ['CANCELED'],
  CANCELED: [],
  FINISHED: [],
  FAILED: [],
};

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['CANCELED', 'FINISHED', 'FAILED']);

export class IllegalJobTransition extends Error {}

export class JobLifecycle {
  private current: JobState = 'CREATED';
  private readonly listeners: ((from: JobState, to: JobState) => void)[] = [];

  get state(): JobState {
    return this.current;
  }

  onChange(cb: (from: JobState, to: JobState) => void): void {
    this.listeners.push(cb);
  }

  can(to: JobState): boolean {
    return TRANSITIONS[this.current].includes(to);
  }

  to(next: JobState): void {
    if (!this.can(next)) throw new IllegalJobTransition(`job state: cannot go from ${this.current} to ${next}`);
    const from = this.current;
    this.current = next;
    for (const l of this.listeners) l(from, next);
  }

  /** Guards an operation: throws unless the job is in one of `states`. */
  require(operation: string, ...states: JobState[]): void {
    if (!states.includes(this.current)) {
      throw new IllegalJobTransition(`cannot ${operation} while the job is ${this.current} (needs ${states.join(' or ')})`);
    }
  }
}
