/** A recording the user picked or dropped, as the engine takes it: its bytes, base64, size-checked first. */
import { maxRecordingUploadBytes, type ApiError, type RecordingSource } from '../../../api/index.js';

export const recordingExtension = '.pathlight';

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  // In slices: String.fromCharCode with a whole file's bytes overflows the call stack.
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export async function recordingFromFile(file: Pick<File, 'name' | 'size' | 'arrayBuffer'>): Promise<RecordingSource | ApiError> {
  if (!file.name.toLowerCase().endsWith(recordingExtension)) {
    return {
      code: 'invalid-request',
      message: `${file.name} is not a Pathlight recording.`,
      hint: `Open a ${recordingExtension} file (made by \`pathlight record\`, the app, or \`pathlight import hubble\`).`,
    };
  }
  if (file.size > maxRecordingUploadBytes) {
    const mb = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MiB`;
    return {
      code: 'invalid-request',
      message: `${file.name} is ${mb(file.size)}: more than the ${mb(maxRecordingUploadBytes)} a browser can send.`,
      hint: `Open it where the engine runs: \`pathlight serve --open ${file.name}\`, or File › Open Recording… in the desktop app.`,
    };
  }
  return { kind: 'bytes', name: file.name, base64: toBase64(new Uint8Array(await file.arrayBuffer())) };
}

export const isSource = (v: RecordingSource | ApiError): v is RecordingSource => 'kind' in v;
