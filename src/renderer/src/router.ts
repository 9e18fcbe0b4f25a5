/**
 * A small hash router (the page URL's query carries the access token in browser mode, so
 * routes live in the hash): #/overview, #/jobs, #/jobs/new, #/jobs/<id>/<tab>, #/kafka, #/drills.
 */
import { reactive } from 'vue';

export type JobTab = 'overview' | 'workers' | 'checkpoints' | 'state' | 'timeline' | 'spec';
export const JOB_TABS: readonly JobTab[] = ['overview', 'workers', 'checkpoints', 'state', 'timeline', 'spec'];

export type Route =
  | { name: 'overview' }
  | { name: 'jobs' }
  | { name: 'new-job'; example: string | null }
  | { name: 'job'; jobId: string; tab: JobTab }
  | { name: 'kafka' }
  | { name: 'drills' }
  | { name: 'not-found'; path: string };

export function parseHash(hash: string): Route {
  const [pathPart, query] = hash.replace(/^#/, '').split('?');
  const parts = (pathPart ?? '').split('/').filter(Boolean);
  const q = new URLSearchParams(query ?? '');
  if (parts.length === 0 || parts[0] === 'overview') return { name: 'overview' };
  if (parts[0] === 'jobs') {
    if (parts.length === 1) return { name: 'jobs' };
    if (parts[1] === 'new') return { name: 'new-job', example: q.get('example') };
    const tab = (parts[2] ?? 'overview') as JobTab;
    if (/^[A-Za-z0-9_-]+$/.test(parts[1]!) && JOB_TABS.includes(tab)) return { name: 'job', jobId: parts[1]!, tab };
  }
  if (parts[0] === 'kafka') return { name: 'kafka' };
  if (parts[0] === 'drills') return { name: 'drills' };
  return { name: 'not-found', path: pathPart ?? '' };
}

export const route = reactive<{ current: Route }>({ current: parseHash(location.hash) });
window.addEventListener('hashchange', () => {
  route.current = parseHash(location.hash);
});

export function go(hash: string): void {
  location.hash = hash;
}
