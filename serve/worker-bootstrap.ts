/**
 * The script a worker thread starts from (run with `eval: true`): tsx's ESM loader first, so the
 * TypeScript entry can be imported without a build step.
 */
export function tsxWorkerBootstrap(entryUrl: string): string {
  return `import(${JSON.stringify(tsxApiUrl())}).then((api) => { api.register(); return import(${JSON.stringify(entryUrl)}); })`;
}

function tsxApiUrl(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return 'tsx/esm/api';
  }
}
