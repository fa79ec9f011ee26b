import { describe, expect, it } from 'vitest';
import { openArg } from '../../../src/main/args.js';

describe('openArg (Electron main: --open FILE)', () => {
  it.each([
    [['electron', '.', '--open', 'assets/demo.pathlight'], 'assets/demo.pathlight'],
    [['pathlight', '--open=/tmp/a.pathlight'], '/tmp/a.pathlight'],
    [['electron', '.', '--open', 'a.pathlight', '--open', 'b.pathlight'], 'b.pathlight'],
    [['electron', '.'], undefined],
    [['electron', '.', '--open'], undefined],
    [['electron', '.', '--open', '--no-sandbox'], undefined],
    [['electron', '.', '--open='], undefined],
  ])('%j → %s', (argv, file) => {
    expect(openArg(argv)).toBe(file);
  });
});
