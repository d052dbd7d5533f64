import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

/** One tile's data: loaded on its own, so a slow tile never holds up the others. */
export type Load<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ok'; data: T };

export function useApi<T>(path: string | null, body?: unknown): Load<T> {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const key = body === undefined ? path : `${path} ${JSON.stringify(body)}`;
  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    setLoad({ state: 'loading' });
    api<T>(path, body === undefined ? { signal: ctl.signal } : { method: 'POST', body, signal: ctl.signal }).then(
      (data) => setLoad({ state: 'ok', data }),
      (err: Error) => {
        if (err.name !== 'AbortError') setLoad({ state: 'error', message: err.message });
      },
    );
    return () => ctl.abort();
  }, [key]);
  return load;
}
