/**
 * Engine errors with Prometheus' wording. The HTTP API maps them once: QueryTimeoutError and
 * QueryCanceledError to 503, TooManySamplesError and EvalError to 422 ("execution"), StorageError to 500.
 */

/** Base class: every error the engine throws deliberately. */
export class PromQLError extends Error {
  override readonly name: string = 'PromQLError';
}

/** An error found while evaluating (collisions, bad arguments, many-to-many matching, …). */
export class EvalError extends PromQLError {
  override readonly name = 'EvalError';
}

export class QueryTimeoutError extends PromQLError {
  override readonly name = 'QueryTimeoutError';
  constructor(where = 'expression evaluation') {
    super(`query timed out in ${where}`);
  }
}

export class QueryCanceledError extends PromQLError {
  override readonly name = 'QueryCanceledError';
  constructor(where = 'expression evaluation') {
    super(`query was canceled in ${where}`);
  }
}

export class TooManySamplesError extends PromQLError {
  override readonly name = 'TooManySamplesError';
  constructor(where = 'query execution') {
    super(`query processing would load too many samples into memory in ${where}`);
  }
}

/** The storage failed while the query read from it. */
export class QueryStorageError extends PromQLError {
  override readonly name = 'QueryStorageError';
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}
