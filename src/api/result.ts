/**
 * Calls return a typed result instead of throwing: an Error crossing Electron IPC keeps only
 * its message, and the UI needs the code to say what to do next.
 */
import { z } from 'zod';

export const errorCodes = [
  'invalid-request',
  'unknown-method',
  'cancelled',
  'internal',
  'unavailable',
  'kubeconfig-not-found',
  'kubeconfig-unreadable',
  'kubeconfig-malformed',
  'kubeconfig-invalid',
  'recording-unreadable',
  'recording-damaged',
  'cluster-unreachable',
  'cluster-bad-certificate',
  'cluster-unauthorized',
  'cluster-forbidden',
  'cluster-exec-consent-needed',
  'ssh-config-invalid',
  'ssh-unreachable',
  'ssh-host-key-unknown',
  'ssh-host-key-mismatch',
  'ssh-auth-failed',
  'ssh-passphrase-needed',
  'ssh-sudo-failed',
  'probe-unsupported-arch',
  'probe-binary-missing',
  'probe-upload-failed',
  'probe-failed',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const apiErrorSchema = z.object({
  code: z.enum(errorCodes),
  /** One sentence naming the problem. */
  message: z.string(),
  /** The next step for the user. */
  hint: z.string().optional(),
  /** File the problem is in, when there is one. */
  file: z.string().optional(),
  /** 1-based line and column in that file. */
  line: z.number().int().positive().optional(),
  column: z.number().int().positive().optional(),
  /** Field path inside the document, e.g. `clusters[1].cluster.server`. */
  field: z.string().optional(),
  /** What the user likely meant, for a field of the request (`from`, `to`): offered as a one-click fix. */
  suggestions: z
    .array(z.object({ field: z.string(), value: z.string() }))
    .max(10)
    .optional(),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export function resultSchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), value }), z.object({ ok: z.literal(false), error: apiErrorSchema })]);
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (error: ApiError): Result<never> => ({ ok: false, error });

/** Thrown inside backend code and turned into a failed Result at the boundary. */
export class PathlightError extends Error {
  constructor(readonly detail: ApiError) {
    super(detail.message);
    this.name = 'PathlightError';
  }
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof PathlightError) return err.detail;
  if (err instanceof Error && err.name === 'AbortError') {
    return { code: 'cancelled', message: 'The request was cancelled.' };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: 'internal',
    message: `Unexpected error: ${message}`,
    hint: 'This is a bug in Pathlight; please report it with the steps that led here.',
  };
}
