/** The themes' colours as the stylesheet sets them: text on the primary button must be readable (WCAG AA, 4.5:1). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../../helpers/paths.js';

const css = readFileSync(repoPath('src/renderer/styles.css'), 'utf8');

/** The custom properties of the first rule with this selector. */
function vars(selector: string): Record<string, string> {
  const at = css.indexOf(`${selector} {`);
  expect(at, selector).toBeGreaterThanOrEqual(0);
  const body = css.slice(at, css.indexOf('}', at));
  return Object.fromEntries([...body.matchAll(/(--[\w-]+):\s*([^;]+);/g)].map((m) => [m[1], m[2]!.trim()]));
}

/** A declaration of the rule with this selector (`var(--x)` resolved in `theme`). */
function prop(selector: string, name: string, theme: Record<string, string>): string {
  const at = css.indexOf(`${selector} {`);
  const body = css.slice(at, css.indexOf('}', at));
  const v = new RegExp(`(?:^|[;{\\s])${name}:\\s*([^;]+);`).exec(body)?.[1]?.trim();
  expect(v, `${selector} ${name}`).toBeDefined();
  return v!.replace(/var\((--[\w-]+)\)/, (_, k: string) => theme[k] ?? '');
}

function luminance(hex: string): number {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex);
  expect(m, hex).not.toBeNull();
  const h = m![1]!.length === 3 ? [...m![1]!].map((c) => c + c).join('') : m![1]!;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('theme contrast', () => {
  const light = vars(':root');
  const dark = { ...light, ...vars(":root[data-theme='dark']") };
  it.each([
    ['light', light],
    ['dark', dark],
  ])('%s: the primary button’s text against its background is at least 4.5:1', (_, theme) => {
    const bg = prop('button.primary', 'background', theme);
    const fg = prop('button.primary', 'color', theme);
    expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
  });
  it('computes the WCAG ratio (white on black 21:1, the old dark button 2.6:1)', () => {
    expect(contrast('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrast('#ffffff', '#6ea1ff')).toBeLessThan(2.7);
  });
});
