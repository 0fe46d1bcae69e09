/** Append errors with Prometheus' messages, so scrape and API layers can count and report them. */
export class StorageError extends Error {
  override readonly name: string = 'StorageError';
}

export class OutOfOrderSampleError extends StorageError {
  override readonly name = 'OutOfOrderSampleError';
  constructor() {
    super('out of order sample');
  }
}

export class OutOfBoundsError extends StorageError {
  override readonly name = 'OutOfBoundsError';
  constructor() {
    super('out of bounds');
  }
}

export class DuplicateSampleForTimestampError extends StorageError {
  override readonly name = 'DuplicateSampleForTimestampError';
  constructor() {
    super('duplicate sample for timestamp');
  }
}

export class TooOldSampleError extends StorageError {
  override readonly name = 'TooOldSampleError';
  constructor() {
    super('too old sample');
  }
}

/** The store cannot accept writes (disk full, read-only, closed). Nothing of the batch was kept. */
export class StorageUnavailableError extends StorageError {
  override readonly name = 'StorageUnavailableError';
}
