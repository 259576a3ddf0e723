// Errors services raise, named by whose fault they are. Routes map them to
// HTTP; services never see a status code.

/** The caller's input is wrong; `fields` maps each form field to its message. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(readonly fields: Record<string, string>) {
    super(Object.values(fields).join(' '));
  }
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(what = 'Not found') {
    super(what);
  }
}

/** The caller is known but may not do this (someone else's item, own vote). */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

/** A service we depend on (the rate-limit store, a provider) cannot answer just now: worth trying again later. */
export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError';
  constructor(
    readonly dependency: string,
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable`, options);
  }
}

export type Clock = () => number;

/** An error the error handler answers with its status and shows its message (a request refused at the edge). */
export function refusal(status: number, message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode: status });
}
