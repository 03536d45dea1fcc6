/** For the judge tests: a real scripted simulator on 127.0.0.1 and a JudgeModel talking to it over HTTP. */
import type { ScriptRule } from '../../serve';
import type { JudgeModel } from './model';
import { startScriptedJudge, type ScriptedJudge } from './sim';

export const verdict = (score: number, reason = 'because'): string => JSON.stringify({ score, reason });

export function scriptedJudge(script: ScriptRule[]): Promise<ScriptedJudge> {
  return startScriptedJudge({ script, recordPrompts: true, concurrency: 2 });
}

/** A model that swaps the simulator's script before each call: call k gets scripts[k % n]. */
export function rotatingModel(j: ScriptedJudge, scripts: ScriptRule[][]): JudgeModel {
  let k = 0;
  return {
    id: j.model.id,
    model: j.model.model,
    complete(messages, opts) {
      j.sim.configure({ script: scripts[k++ % scripts.length] ?? [] });
      return j.model.complete(messages, opts);
    },
    close: () => j.model.close(),
  };
}
