/**
 * A value the console loads from the engine, with its loading and error state (what every
 * view's loading / empty / error states read), and the one way to fill it.
 */
/** The message of an error as the console shows it. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export type Load<T> = { data: T | null; loading: boolean; error: string | null };

export const load = <T>(): Load<T> => ({ data: null, loading: false, error: null });

/** Runs `f` into `slot`: loading while it runs, its result or its error after. */
export async function into<T>(slot: Load<T>, f: () => Promise<T>): Promise<T | null> {
  slot.loading = true;
  try {
    const v = await f();
    slot.data = v;
    slot.error = null;
    return v;
  } catch (e) {
    slot.error = errorText(e);
    return null;
  } finally {
    slot.loading = false;
  }
}
