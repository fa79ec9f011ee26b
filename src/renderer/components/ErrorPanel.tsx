import type { ApiError } from '../../api/index.js';

const titles: Partial<Record<ApiError['code'], string>> = {
  'kubeconfig-not-found': 'No kubeconfig found',
  'kubeconfig-unreadable': 'Kubeconfig cannot be read',
  'kubeconfig-malformed': 'Kubeconfig is not valid YAML',
  'kubeconfig-invalid': 'Kubeconfig has a problem',
  'recording-unreadable': 'Recording cannot be read',
  'recording-damaged': 'Recording is damaged',
  unavailable: 'Pathlight engine unreachable',
};

/** An error in plain words: what went wrong, where, and the next step. */
export function ErrorPanel({ error, actions, title }: { error: ApiError; actions?: React.ReactNode; title?: string }) {
  const where = error.file
    ? `${error.file}${error.line ? `, line ${error.line}${error.column ? `, column ${error.column}` : ''}` : ''}${error.field ? ` (${error.field})` : ''}`
    : undefined;
  return (
    <section className="error-panel" role="alert" data-testid="error-panel" data-code={error.code}>
      <h2>{titles[error.code] ?? title ?? 'Something went wrong'}</h2>
      <p className="error-message">{error.message}</p>
      {where && (
        <p className="error-where">
          <span className="label">Where</span> <code>{where}</code>
        </p>
      )}
      {error.hint && (
        <p className="error-hint">
          <span className="label">Next step</span> {error.hint}
        </p>
      )}
      {actions && <div className="actions">{actions}</div>}
    </section>
  );
}
