/** How policies are named in explanations: `Kind ns/name` or `Kind name`. */
import type { PolicyRef } from './model.js';

export function refText(r: PolicyRef): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}
