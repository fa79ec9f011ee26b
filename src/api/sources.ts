import { z } from 'zod';

/**
 * Largest kubeconfig text a picked file may carry (UTF-16 code units, as the schema counts).
 * It travels in one call, and a WebSocket frame holds at most maxFrameBytes (src/api/wire.ts):
 * the UI refuses a bigger file before sending it (src/renderer/features/connect/kubeconfigFile.ts).
 */
export const maxKubeconfigTextChars = 4 * 1024 * 1024;

/** Where to read kubeconfig from. */
export const kubeconfigSourceSchema = z.discriminatedUnion('kind', [
  /** `$KUBECONFIG` (a path list) or `~/.kube/config`, as kubectl does. */
  z.object({ kind: z.literal('default') }),
  /** A file on the machine running the backend. */
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }),
  /** A file the user picked in the browser; its text travels in the request. */
  z.object({ kind: z.literal('text'), name: z.string().min(1).max(256), text: z.string().max(maxKubeconfigTextChars) }),
]);
export type KubeconfigSource = z.infer<typeof kubeconfigSourceSchema>;
