/** The Electron shell's own command-line options (tested without Electron). */

/**
 * The recording named by `--open FILE` or `--open=FILE` (as `npm start` passes it when there is
 * no kubeconfig, and as a second launch forwards it); the last one wins. Chromium's own
 * switches and the app path are ignored.
 */
export function openArg(argv: readonly string[]): string | undefined {
  let file: string | undefined;
  argv.forEach((a, i) => {
    if (a === '--open') {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) file = next;
    } else if (a.startsWith('--open=') && a.length > '--open='.length) file = a.slice('--open='.length);
  });
  return file;
}
