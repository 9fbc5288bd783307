import type { Run } from './run.js';
import type { RunContext } from './run-executor.js';
import type { RunRecorder } from './run-recorder.js';

/** The context a handler runs with; its reports go through `recorder`. */
export function createRunContext(run: Run, recorder: RunRecorder, signal: AbortSignal): RunContext {
  return {
    run,
    parameters: run.parameters,
    signal,
    log: (level, message) => recorder.log(level, message),
    info: (message) => recorder.log('info', message),
    addMetrics: (metrics) => recorder.addMetrics(metrics),
    setProgress: (progress) => recorder.setProgress(progress),
    // The executor aborts with a RUN_CANCELLED LakeError as the reason, which this rethrows.
    throwIfCancelled: () => signal.throwIfAborted(),
  };
}
