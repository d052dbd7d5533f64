/** A request the client must fix; answered with `status` and the body as given. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Malformed JSON, with where it broke and the text (so it can be quarantined). */
export class InvalidJsonError extends ClientError {
  constructor(
    message: string,
    readonly text: string,
  ) {
    super(400, 'invalid_json', message);
  }
}

/** Names the V8 parse error's position as line and column too. */
export function describeJsonError(err: Error, text: string): string {
  const m = /position (\d+)/.exec(err.message);
  if (!m || /line \d+/.test(err.message)) return `malformed JSON: ${err.message}`;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `malformed JSON: ${err.message} (line ${line}, column ${column})`;
}
