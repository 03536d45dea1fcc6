/** One measured step: the load run with the server's and the generator's resources sampled around it. */
import type { Agent } from 'undici';
import { chatOnce } from '../../client/chat';
import type { LoadTarget } from './target';
import { listenOverflows, sampleSelf, type ResourceUsage } from './resources';
import { summarise, type StepSummary, type ThroughputMode } from './summary';
import type { LoadRun, Sender } from './types';

export interface StepResult {
  /** e.g. 'sweep@50', 'open-loop', 'rate-limit', 'streams@500' */
  label: string;
  users: number | null;
  run: LoadRun;
  summary: StepSummary;
  /** null when the server is this process (in-process: see `generator`) or unknown (URL target) */
  server: ResourceUsage | null;
  generator: ResourceUsage;
  /** TCP connections dropped machine-wide because an accept queue was full, during the step (null: unknown) */
  listenOverflows: number | null;
}

export function makeSender(baseUrl: string, dispatcher: Agent): Sender {
  return (req) => chatOnce(baseUrl, req, dispatcher);
}

export async function measureStep(target: LoadTarget, label: string, users: number | null, go: () => Promise<LoadRun>, mode: ThroughputMode = 'window'): Promise<StepResult> {
  const server = await target.serverResources();
  const self = sampleSelf();
  const overflows0 = listenOverflows();
  const stopAll = async () => ({ generator: await self.stop(), serverUsage: server ? await server.stop() : null });
  let run: LoadRun;
  try {
    run = await go();
  } catch (err) {
    await stopAll();
    throw err;
  }
  const { generator, serverUsage } = await stopAll();
  const overflows1 = listenOverflows();
  const overflows = overflows0 !== null && overflows1 !== null ? overflows1 - overflows0 : null;
  return { label, users, run, summary: summarise(run, mode), server: serverUsage, generator, listenOverflows: overflows };
}
