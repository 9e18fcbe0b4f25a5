/**
 * A small hash router (the page URL's query carries the access token in browser mode, so
 * routes live in the hash): #/overview, #/jobs, #/jobs/new, #/jobs/<id>/<tab>, #/kafka, #/drills, #/drills/compare?a=<runId>&b=<runId>.
 */
import { reactive } from 'vue';

export type JobTab = 'overview' | 'workers' | 'checkpoints' | 'state' | 'timeline' | 'spec';
export const JOB_TABS: readonly JobTab[] = ['overview', 'workers', 'checkpoints', 'state', 'timeline', 'spec'];

export type KafkaTab = 'topics' | 'groups' | 'brokers';
export const KAFKA_TABS: readonly KafkaTab[] = ['topics', 'groups', 'brokers'];

export type Route =
  | { name: 'overview' }
  | { name: 'jobs' }
  | { name: 'new-job'; example: string | null }
  | { name: 'job'; jobId: string; tab: JobTab }
  | { name: 'kafka'; connection: string | null; tab: KafkaTab; topic: string | null; group: string | null }
  | { name: 'drills' }
  | { name: 'drill-compare'; a: string | null; b: string | null }
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
  if (parts[0] === 'kafka') {
    // #/kafka[/<connection>[/<tab>[/<topic or group, URI-encoded>]]]
    const dec = (x: string | undefined): string | null => {
      if (x === undefined) return null;
      try {
        return decodeURIComponent(x);
      } catch {
        return null;
      }
    };
    const tab = (parts[2] ?? 'topics') as KafkaTab;
    if (!KAFKA_TABS.includes(tab)) return { name: 'not-found', path: pathPart ?? '' };
    const item = dec(parts[3]);
    return { name: 'kafka', connection: dec(parts[1]), tab, topic: tab === 'topics' ? item : null, group: tab === 'groups' ? item : null };
  }
  if (parts[0] === 'drills') {
    if (parts[1] === 'compare') {
      const id = (x: string | null): string | null => (x !== null && /^[A-Za-z0-9_-]{1,64}$/.test(x) ? x : null);
      return { name: 'drill-compare', a: id(q.get('a')), b: id(q.get('b')) };
    }
    if (parts.length === 1) return { name: 'drills' };
  }
  return { name: 'not-found', path: pathPart ?? '' };
}

export const route = reactive<{ current: Route }>({ current: parseHash(location.hash) });
window.addEventListener('hashchange', () => {
  route.current = parseHash(location.hash);
});

export function kafkaHref(connection: string, tab: KafkaTab = 'topics', item?: string): string {
  return `#/kafka/${encodeURIComponent(connection)}/${tab}${item !== undefined ? `/${encodeURIComponent(item)}` : ''}`;
}

export function go(hash: string): void {
  location.hash = hash;
}

export function drillCompareHref(a: string, b: string): string {
  return `#/drills/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`;
}
