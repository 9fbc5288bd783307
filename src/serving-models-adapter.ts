import { encodeRecords, inputFields } from './ml/registry/records-encoder.js';
import type { MlService } from './ml/ml-service.js';
import type { LoadedModel, Scores, ServingModels } from './serving/serving-models.js';

/**
 * The ML registry and its runtimes as serving's port: the facade wires the two feature
 * modules so neither imports the other. A loaded model holds its runtime (the ModelRuntime
 * seam: native scorer or ONNX session) and its feature schema, so a request only encodes
 * and scores; its answers speak labels (class names) where the model has classes.
 */
export function servingModelsOver(ml: () => MlService): ServingModels {
  return {
    async resolve(ref) {
      const version = await ml().version(ref);
      return { model: version.model, version: version.version };
    },
    async load(model, version): Promise<LoadedModel> {
      const ref = `${model}:${version}`;
      const artifact = await ml().load(ref);
      const runtime = await ml().runtime(ref);
      const classes = artifact.classes ?? null;
      const problem = artifact.problem;
      return {
        model,
        version,
        inputs: inputFields(artifact.features),
        async score(records): Promise<Scores> {
          const frame = encodeRecords(model, artifact.features, records);
          const { values, width } = await runtime.predict(frame);
          if ((problem === 'binary' || problem === 'multiclass') && classes) {
            const probabilities: number[][] = [];
            const predictions: unknown[] = [];
            for (let row = 0; row < frame.rows; row++) {
              const p =
                problem === 'binary'
                  ? [1 - values[row]!, values[row]!]
                  : Array.from(values.subarray(row * width, (row + 1) * width));
              let best = 0;
              for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
              probabilities.push(p);
              predictions.push(classes[best]);
            }
            return { predictions, probabilities, classes };
          }
          return { predictions: Array.from(values) };
        },
        close: () => runtime.close(),
      };
    },
  };
}
