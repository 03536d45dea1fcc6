export { startSimulator } from './server';
export { DEFAULT_OPTIONS, validateOptions } from './options';
export { parseDelay, sampleDelay, mulberry32 } from './delays';
export type {
  DelaySpec,
  FaultSpec,
  ReplyMode,
  ScriptRule,
  SimRequestRecord,
  Simulator,
  SimulatorOptions,
  StartSimulatorOptions,
} from './types';
