/** Where the built probe agents are: $PATHLIGHT_AGENT_DIR, else native/dist of this checkout. */
import { fileURLToPath } from 'node:url';

export function agentDir(env: NodeJS.ProcessEnv = process.env): string {
  // Built layout: dist/backend/probes/agentDir.js → ../../../native/dist; the same from src/.
  return env.PATHLIGHT_AGENT_DIR || fileURLToPath(new URL('../../../native/dist', import.meta.url));
}
