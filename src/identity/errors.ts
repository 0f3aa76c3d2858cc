// Keystone's error form: {"error": {"code", "message", "title"}} with the HTTP status as
// code and the status's reason phrase as title. Identity routes throw these.

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
  500: 'Internal Server Error',
};

export class KeystoneError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }

  toJSON() {
    return { error: { code: this.status, message: this.message, title: TITLES[this.status] ?? 'Error' } };
  }
}

export const unauthorized = (message = 'The request you have made requires authentication.') => new KeystoneError(401, message);

export const forbidden = (action: string) =>
  new KeystoneError(403, `You are not authorized to perform the requested action: ${action}.`);

/** Keystone's 404 message: "Could not find project: <id>." */
export const notFound = (kind: string, id: string) => new KeystoneError(404, `Could not find ${kind}: ${id}.`);

export const validationError = (detail: string) =>
  new KeystoneError(
    400,
    `${detail} The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
  );

/** 400 for a request body without its expected member ("Expecting to find project in request body"). */
export const expecting = (attribute: string, target: string) => validationError(`Expecting to find ${attribute} in ${target}.`);

export const duplicate = (kind: string, detail: string) =>
  new KeystoneError(409, `Conflict occurred attempting to store ${kind} - ${detail}.`);
