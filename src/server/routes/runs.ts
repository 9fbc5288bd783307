import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { LakeError } from '../../errors/lake-error.js';
import type { Lake } from '../../lake.js';
import { RUN_STATUSES, type RunStatus } from '../../runs/run.js';

const LIST_QUERY = z
  .object({
    kind: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    status: z
      .string()
      .transform((s) => s.split(','))
      .pipe(z.array(z.enum(RUN_STATUSES as [RunStatus, ...RunStatus[]])))
      .optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

/** `GET /runs` (filters: kind, name, status=a,b, limit) and `GET /runs/:id`. */
export function runRoutes(lake: Lake) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/runs', async (request) => {
      const parsed = LIST_QUERY.safeParse(request.query);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new LakeError(
          'INVALID_ARGUMENT',
          `Query parameter ${issue.path.join('.') || '(unknown)'}: ${issue.message}. Filters: kind, name, status (comma-separated), limit (1-1000).`,
        );
      }
      return { runs: await lake.runs.list(parsed.data) };
    });
    app.get<{ Params: { id: string } }>('/runs/:id', async (request) => ({
      run: await lake.runs.get(request.params.id),
    }));
  };
}
