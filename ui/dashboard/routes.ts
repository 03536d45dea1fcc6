/** Hash routes: #/ (runs), #/run?dir=…, #/compare?dirs=a,b[,c…], #/trends?suite=…&metric=…&baseline=… */
export type Route =
  | { view: 'runs' }
  | { view: 'run'; dir: string }
  | { view: 'compare'; dirs: string[] }
  | { view: 'trends'; suite?: string; metric?: string; baseline?: string };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const q = new URLSearchParams(query);
  if (path === '/run' && q.get('dir')) return { view: 'run', dir: q.get('dir') ?? '' };
  if (path === '/compare') return { view: 'compare', dirs: (q.get('dirs') ?? '').split(',').filter(Boolean) };
  if (path === '/trends') {
    const r: Route = { view: 'trends' };
    for (const k of ['suite', 'metric', 'baseline'] as const) {
      const v = q.get(k);
      if (v) r[k] = v;
    }
    return r;
  }
  return { view: 'runs' };
}

export function href(route: Route): string {
  switch (route.view) {
    case 'runs':
      return '#/';
    case 'run':
      return `#/run?${new URLSearchParams({ dir: route.dir })}`;
    case 'compare':
      return `#/compare?dirs=${route.dirs.map(encodeURIComponent).join(',')}`;
    case 'trends': {
      const q = new URLSearchParams();
      if (route.suite) q.set('suite', route.suite);
      if (route.metric) q.set('metric', route.metric);
      if (route.baseline) q.set('baseline', route.baseline);
      return `#/trends?${q}`;
    }
  }
}

export function sha7(sha: string): string {
  return /^[0-9a-f]{7,}$/.test(sha) ? sha.slice(0, 7) : sha;
}
