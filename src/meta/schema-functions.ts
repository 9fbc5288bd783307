import type { Generated } from 'kysely';

/** A function (migration 020): its versions are rows of `lb_function_version`. */
export interface FunctionRow {
  name: string;
  description: string | null;
  created_at: number;
  updated_at: number;
}

/** One deployed version: its bundle's key and its settings as JSON (env as references). */
export interface FunctionVersionRow {
  function_name: string;
  version: number;
  artifact_key: string;
  settings: string;
  /** The bundle's key and the settings together: an identical deploy finds its version. */
  fingerprint: string;
  created_at: number;
}

/** What an invocation (a run of kind `function`) returned, as JSON (null for undefined). */
export interface FunctionResultRow {
  run_id: string;
  function_name: string;
  version: number;
  result: string | null;
  created_at: number;
}

/** An asynchronous invocation that failed every attempt. */
export interface FunctionDeadLetterRow {
  dead_letter_id: Generated<number>;
  function_name: string;
  version: number;
  event: string;
  error_code: string;
  error_message: string;
  attempts: number;
  run_id: string;
  created_at: number;
  replayed_at: number | null;
  replay_run_id: string | null;
}
