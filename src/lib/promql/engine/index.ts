export { Engine, type EngineOptions, type QueryOptions } from './engine.js';
export { annotationsAsStrings } from './annotations.js';
export {
  PromQLError,
  EvalError,
  QueryTimeoutError,
  QueryCanceledError,
  TooManySamplesError,
  QueryStorageError,
} from './errors.js';
export type {
  Annotation,
  MatrixResult,
  QueryResult,
  QueryValue,
  ScalarResult,
  StringResult,
  VectorResult,
} from './types.js';
