/** `why` and `record` options as the user types them: the HTTP latency limit (`--http-slow`) reaches the question, a bad one is named. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { whyArgs, whyOptions, type WhyOpts } from '../../../src/cli/commands/why.js';

const parse = (args: string[]) =>
  whyOptions(new Command().exitOverride())
    .parse(['--from', 'shop/deploy/web', '--to', 'api:8080', ...args], { from: 'user' })
    .opts<WhyOpts>();

describe('why options', () => {
  it('--http-slow takes a duration (1 s by default) and passes it on in ms', () => {
    const dflt = whyArgs(parse([]), 'why');
    expect(dflt.ok && dflt.value.httpSlowMs).toBe(1000);
    const set = whyArgs(parse(['--http-slow', '250ms']), 'why');
    expect(set.ok && set.value.httpSlowMs).toBe(250);
  });

  it('a --http-slow that is not a duration is named, with an example', () => {
    const r = whyArgs(parse(['--http-slow', 'soon']), 'why');
    expect(r.ok ? undefined : r.error).toMatchObject({
      code: 'invalid-request',
      message: '--http-slow soon is not a duration.',
      hint: 'Use e.g. 500ms or 2s.',
    });
  });
});
