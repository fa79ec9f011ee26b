/**
 * A kubeconfig the user picked, as the engine takes it (its text in the request), refused here
 * when it could not travel: in server mode one call is one WebSocket frame of at most
 * maxFrameBytes, and a bigger frame closes the connection instead of answering.
 */
import { maxFrameBytes, maxKubeconfigTextChars, type ApiError, type KubeconfigSource } from '../../../api/index.js';

const mib = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MiB`;

/** Room in the frame for the call's envelope (id, method, source name). */
const envelopeBytes = 4096;

function tooLarge(name: string, size: number): ApiError {
  return {
    code: 'kubeconfig-unreadable',
    message: `${name} is ${mib(size)}: more than the ${mib(maxKubeconfigTextChars)} a picked kubeconfig may be.`,
    hint: 'Pick the kubeconfig itself (kubeconfigs are a few kB; `kubectl config view --minify --flatten` writes one context), or start Pathlight with `--kubeconfig FILE` so the engine reads it from disk.',
    file: name,
  };
}

export async function kubeconfigFromFile(file: Pick<File, 'name' | 'size' | 'text'>): Promise<KubeconfigSource | ApiError> {
  // Checked before reading: a huge file is refused without holding it in memory.
  if (file.size > maxKubeconfigTextChars) return tooLarge(file.name, file.size);
  const text = await file.text();
  const name = file.name.slice(0, 256) || 'kubeconfig';
  // Escapes and multi-byte characters make the frame bigger than the file.
  const frameBytes = new TextEncoder().encode(JSON.stringify(text)).length + envelopeBytes;
  if (text.length > maxKubeconfigTextChars || frameBytes > maxFrameBytes) return tooLarge(file.name, Math.max(file.size, frameBytes));
  return { kind: 'text', name, text };
}

export const isKubeconfigSource = (v: KubeconfigSource | ApiError): v is KubeconfigSource => 'kind' in v;
