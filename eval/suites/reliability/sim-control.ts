/**
 * Control of the simulator behind the target: directly when it runs in this process, or over its HTTP
 * side channel (POST /sim/config, GET /sim/requests) for a URL target whose --direct URL is a Memocha
 * simulator.
 */
import type { FaultSpec, SimRequestRecord, Simulator, SimulatorOptions } from '../../../serve';

export type SimRecord = Pick<SimRequestRecord, 'lastUserMessage' | 'status' | 'outcome' | 'seq'>;

export interface SimControl {
  configure(patch: Partial<SimulatorOptions> & { faults?: FaultSpec }): void | Promise<void>;
  /** the next sequence number: records from now on have seq ≥ it */
  mark(): Promise<number>;
  recordsSince(seq: number): Promise<SimRecord[]>;
}

export function localSim(sim: Simulator): SimControl {
  return {
    configure: (p) => sim.configure(p),
    mark: async () => (sim.requests.length ? (sim.requests[sim.requests.length - 1]?.seq ?? -1) + 1 : 0),
    recordsSince: async (seq) => sim.requests.filter((r) => (r.seq ?? 0) >= seq),
  };
}

/**
 * `direct` is the simulator's OpenAI base URL (…/v1); its side channel lives at the root. `apiKey` (default
 * SIM_API_KEY) is sent as a Bearer token to a simulator that demands one (`npm run sim -- --api-key`, or
 * Memocha's built-in simulator started with SIM_API_KEY and SIM_MAX_RECORDS).
 */
export function httpSim(direct: string, apiKey = process.env.SIM_API_KEY): SimControl {
  const root = new URL('/', direct).href.replace(/\/$/, '');
  const auth: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const records = async (since: number): Promise<SimRecord[]> => {
    const res = await fetch(`${root}/sim/requests?since=${since}`, { headers: auth });
    if (!res.ok) throw new Error(`GET /sim/requests: HTTP ${res.status}`);
    const body = (await res.json()) as SimRecord[] | { requests?: SimRecord[] };
    return Array.isArray(body) ? body : (body.requests ?? []);
  };
  return {
    async configure(p) {
      const res = await fetch(`${root}/sim/config`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(p) });
      if (!res.ok) throw new Error(`POST /sim/config: HTTP ${res.status} ${await res.text()}`);
    },
    async mark() {
      const all = await records(0);
      return all.reduce((m, r) => Math.max(m, (r.seq ?? -1) + 1), 0);
    },
    recordsSince: records,
  };
}
