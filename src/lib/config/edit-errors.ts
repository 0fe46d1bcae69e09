/** An edit promctl refuses, with the reason and (optionally) what to do. */
export class UserFacingEditError extends Error {
  override readonly name = 'UserFacingEditError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
