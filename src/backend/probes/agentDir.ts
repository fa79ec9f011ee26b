/** Where the built probe agents are: $PATHLIGHT_AGENT_DIR, else native/dist of this checkout. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PathlightError } from '../../api/index.js';

export function agentDir(env: NodeJS.ProcessEnv = process.env): string {
  // Built layout: dist/backend/probes/agentDir.js → ../../../native/dist; the same from src/.
  return env.PATHLIGHT_AGENT_DIR || fileURLToPath(new URL('../../../native/dist', import.meta.url));
}

/** The agent binary for a node's architecture (amd64, arm64) and its sha256, or a named error. */
export async function readAgent(dir: string, arch: string, otherwise: string): Promise<{ binary: Buffer; sha256: string }> {
  const file = `${dir}/linux-${arch}/pathlight-probe`;
  let binary: Buffer;
  try {
    binary = await readFile(file);
  } catch {
    throw new PathlightError({
      code: 'probe-binary-missing',
      message: `The probe agent for ${arch} is not built (${file}).`,
      hint: `Run native/build.sh (it builds linux-amd64 and linux-arm64)${otherwise}.`,
      file,
    });
  }
  return { binary, sha256: createHash('sha256').update(binary).digest('hex') };
}
