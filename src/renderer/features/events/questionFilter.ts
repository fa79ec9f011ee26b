/**
 * The events table after a question starts filtered to it: the events to or from A's, the
 * Service's, the endpoints' and B's addresses, and the DNS lookups of B's name. A chip in the
 * filters says so and clears it.
 */
import { useEffect, useRef } from 'react';
import type { DiagnosisJson, EventFilter } from '../../../api/index.js';
import { useApp } from '../../store/context.js';

type About = NonNullable<EventFilter['about']>;

const ipLike = /^[0-9.]+$|:.*:/;

/** A hop's address without its port: `10.244.0.9:8080` → `10.244.0.9`, `[fd00::9]:8080` → `fd00::9`. */
const addressOf = (ip: string) => /^\[(.+)\]:\d+$/.exec(ip)?.[1] ?? /^([0-9.]+):\d+$/.exec(ip)?.[1] ?? ip;

/** The question's addresses and names, from the answer's hops (undefined when it names none). */
export function questionAbout(d: Pick<DiagnosisJson, 'query' | 'path'>): About | undefined {
  const ips = new Set<string>();
  for (const h of d.path)
    if (h.hop === 'source' || h.hop === 'dns' || h.hop === 'service' || h.hop === 'endpoints' || h.hop === 'backend')
      for (const ip of h.ips ?? []) ips.add(addressOf(ip));
  const names = new Set<string>();
  // B's name as the DNS hop resolved it (the search path applied: `backend` in A's namespace is
  // `backend.shop.svc.cluster.local`, not every namespace's backend); else as asked.
  const looked =
    d.path
      .find((h) => h.hop === 'dns')
      ?.label.trim()
      .split(/\s+/)[0] ?? '';
  const host = d.query.to.replace(/:\d+$/, '');
  if (looked.includes('.') && !ipLike.test(looked)) names.add(looked.toLowerCase().replace(/\.$/, ''));
  else if (!host.includes('/') && !ipLike.test(host)) names.add(host.toLowerCase());
  if (ips.size === 0 && names.size === 0) return undefined;
  return { ips: [...ips].slice(0, 256), names: [...names].slice(0, 16) };
}

/** The chip's words: `4 addresses, 1 DNS name` (the tooltip lists them). */
export function aboutText(a: About): string {
  const ips = a.ips.length ? `${a.ips.length} address${a.ips.length === 1 ? '' : 'es'}` : '';
  const names = a.names.length ? `${a.names.length} DNS name${a.names.length === 1 ? '' : 's'}` : '';
  return [ips, names].filter(Boolean).join(', ');
}

/** Once per question (asked, or a recorded one shown): the events filter narrows to it. */
export function useQuestionFilter(): void {
  const question = useApp((s) => s.question?.question);
  const d = useApp((s) => s.question?.diagnosis ?? s.question?.staticDiagnosis);
  const setFilter = useApp((s) => s.setEventFilter);
  const done = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (!question || !d || done.current === question) return;
    done.current = question;
    const about = questionAbout(d);
    if (about) setFilter({ about });
  }, [question, d, setFilter]);
}
