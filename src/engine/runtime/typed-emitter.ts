/** A small typed event emitter: listeners are called synchronously in order; `on` returns an unsubscribe. */
export class TypedEmitter<E extends { [K in keyof E]: (...args: never[]) => void }> {
  private readonly handlers = new Map<keyof E, Set<E[keyof E]>>();

  on<K extends keyof E>(event: K, cb: E[K]): () => void {
    let set = this.handlers.get(event);
    if (set === undefined) this.handlers.set(event, (set = new Set()));
    set.add(cb);
    return () => set.delete(cb);
  }

  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.handlers.get(event);
    if (set === undefined) return;
    for (const cb of set) (cb as (...a: Parameters<E[K]>) => void)(...args);
  }
}
