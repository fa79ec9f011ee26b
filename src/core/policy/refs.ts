/** How policies are named in explanations: `Kind ns/name` or `Kind name`. */
export function refText(r: { kind: string; namespace?: string | undefined; name: string }): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}
