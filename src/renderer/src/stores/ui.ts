/** UI state that is not engine data: theme, toasts, the confirmation dialog, the connection. */
import { defineStore } from 'pinia';
import type { ConnectionStatus } from '../api/transport';

export type Theme = 'light' | 'dark';

interface Toast {
  id: number;
  level: 'info' | 'warning' | 'error';
  title: string;
  body: string;
}

interface Confirm {
  title: string;
  body: string;
  action: string;
  keep: string;
  resolve: (ok: boolean) => void;
}

function initialTheme(): Theme {
  const saved = localStorage.getItem('sluice.theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

let toastSeq = 0;

export const useUiStore = defineStore('ui', {
  state: () => ({
    theme: initialTheme(),
    toasts: [] as Toast[],
    confirm: null as Confirm | null,
    connection: 'connecting' as ConnectionStatus,
    connectionDetail: '' as string,
  }),
  actions: {
    toggleTheme() {
      this.theme = this.theme === 'dark' ? 'light' : 'dark';
      localStorage.setItem('sluice.theme', this.theme);
    },
    toast(level: Toast['level'], title: string, body = '') {
      const id = ++toastSeq;
      this.toasts.push({ id, level, title, body });
      if (this.toasts.length > 5) this.toasts.shift();
      setTimeout(() => this.dismiss(id), level === 'error' ? 10_000 : 5_000);
    },
    dismiss(id: number) {
      this.toasts = this.toasts.filter((t) => t.id !== id);
    },
    /** Asks before a destructive action; resolves true when confirmed. */
    ask(title: string, body: string, action: string, keep = 'Keep running'): Promise<boolean> {
      this.confirm?.resolve(false);
      return new Promise((resolve) => {
        this.confirm = { title, body, action, keep, resolve };
      });
    },
    answer(ok: boolean) {
      const c = this.confirm;
      this.confirm = null;
      c?.resolve(ok);
    },
  },
});
