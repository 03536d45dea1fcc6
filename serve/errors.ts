/** An error with an HTTP status and a machine-readable code, rendered as {error: {code, message, details}}. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string) {
    super(404, `${what}_not_found`, `${what} ${id} not found`);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown, code = 'invalid_request') {
    super(400, code, message, details);
  }
}

/** 503 the client may retry after `retryAfterS` seconds. */
export class UnavailableError extends AppError {
  constructor(code: string, message: string, retryAfterS: number) {
    super(503, code, message, undefined, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterS))) });
  }
}
