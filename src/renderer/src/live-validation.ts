/**
 * Checks an editor's text as it is typed (job specs, drills): once the text has not changed
 * for `delayMs`, it goes to `check`; an answer for text that has changed since is dropped,
 * so the errors shown always belong to the latest text checked (`checked`).
 */
import { onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue';
import type { SpecErrorInfo } from '../../shared/api';
import { errorText } from './stores/load';

export function useLiveValidation<R extends { errors: SpecErrorInfo[] }>(text: Ref<string>, check: (t: string) => Promise<R>, opts: { delayMs: number; emptyMessage: string }) {
  const errors = ref<SpecErrorInfo[]>([]);
  /** The engine's answer for `checked` (null: empty text, or the check itself failed). */
  const result = shallowRef<R | null>(null);
  /** The text the shown errors belong to (null: not checked yet). */
  const checked = ref<string | null>(null);
  const validating = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;

  async function validate(t: string): Promise<void> {
    const mine = ++seq;
    if (t.trim() === '') {
      errors.value = [{ path: '', message: opts.emptyMessage }];
      result.value = null;
      validating.value = false;
      checked.value = t;
      return;
    }
    validating.value = true;
    try {
      const r = await check(t);
      if (mine !== seq) return;
      errors.value = r.errors;
      result.value = r;
    } catch (e) {
      if (mine !== seq) return;
      errors.value = [{ path: '', message: errorText(e) }];
      result.value = null;
    } finally {
      if (mine === seq) {
        validating.value = false;
        checked.value = t;
      }
    }
  }

  watch(text, (t) => {
    clearTimeout(timer);
    checked.value = null;
    timer = setTimeout(() => void validate(t), opts.delayMs);
  });
  onBeforeUnmount(() => clearTimeout(timer));
  return { errors, result, checked, validating };
}
