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

type Suggestion = NonNullable<ApiError['suggestions']>[number];

/** An error in plain words: what went wrong, where, and the next step; what the user likely meant, one click away (`onSuggestion`). */
export function ErrorPanel({
  error,
  actions,
  title,
  onSuggestion,
}: {
  error: ApiError;
  actions?: React.ReactNode;
  title?: string;
  onSuggestion?: (s: Suggestion) => void;
}) {
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
      {onSuggestion && error.suggestions && error.suggestions.length > 0 && (
        <p className="error-suggestions">
          <span className="label">Did you mean</span>{' '}
          {error.suggestions.map((sg) => (
            <button
              key={`${sg.field}:${sg.value}`}
              type="button"
              className="small suggestion"
              data-testid="did-you-mean"
              data-field={sg.field}
              onClick={() => onSuggestion(sg)}
              title={`Put ${sg.value} in ${sg.field === 'from' ? 'From' : sg.field === 'to' ? 'To' : sg.field} and ask again`}
            >
              {sg.value}
            </button>
          ))}
        </p>
      )}
      {actions && <div className="actions">{actions}</div>}
    </section>
  );
}
