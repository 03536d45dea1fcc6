import type { AnsweredTurn } from '../chat/turn';
import type { NewLiveSample } from '../db/repos';

export interface Slo {
  ttftMs: number;
  totalMs: number;
}

/** A sampled turn's row before judging: retrieval diagnostics, tokens and latency checked against the SLOs. */
export function toLiveSample(t: AnsweredTurn, slo: Slo, instanceId: string): NewLiveSample {
  const scores = t.meta.memories.map((m) => m.score);
  const ttftMs = t.timings.ttftMs ?? null;
  return {
    id: t.meta.assistantMessageId,
    instanceId,
    userId: t.userId,
    sessionId: t.meta.sessionId,
    model: t.model,
    provider: t.provider ?? null,
    memoryStatus: t.meta.memory,
    memoriesUsed: scores.length,
    memoryIds: t.meta.memories.map((m) => m.id),
    memoryTopScore: scores.length ? Math.max(...scores) : null,
    memoryMeanScore: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
    memoryTokens: t.meta.promptTokens.memories,
    memoryBudgetTokens: t.memoryBudgetTokens,
    promptTokens: t.usage.promptTokens,
    completionTokens: t.usage.completionTokens,
    ttftMs,
    totalMs: t.timings.totalMs,
    ttftSloMet: ttftMs === null ? null : ttftMs <= slo.ttftMs,
    totalSloMet: t.timings.totalMs <= slo.totalMs,
    judgeModel: null,
    judgeGroundedness: null,
    judgeRelevance: null,
    judgeScore: null,
    judgeError: null,
  };
}
