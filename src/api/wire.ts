/** Frames of the WebSocket transport (server mode). Both ends validate every frame. */
import { z } from 'zod';

export const callIdSchema = z.string().min(1).max(64);

export const clientFrameSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: callIdSchema, method: z.string().max(128), payload: z.unknown() }).strict(),
  z.object({ t: z.literal('cancel'), id: callIdSchema }).strict(),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

export const serverFrameSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('result'), id: callIdSchema, result: z.unknown() }).strict(),
  z.object({ t: z.literal('event'), name: z.string(), payload: z.unknown() }).strict(),
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;

/** Largest frame either side accepts (a picked kubeconfig travels in one call). */
export const maxFrameBytes = 5 * 1024 * 1024;

/** Path of the WebSocket endpoint and the query parameter carrying the launch token. */
export const wsPath = '/api';
export const tokenParam = 'token';

/** Channel names of the Electron IPC transport; derived from the contract, never free-form. */
export const ipcCallChannel = (method: string) => `pathlight:call:${method}`;
export const ipcEventChannel = (event: string) => `pathlight:event:${event}`;
export const ipcCancelChannel = 'pathlight:cancel';

/**
 * Frames between the Electron main process and the engine's utility process
 * (src/main/engine.ts ↔ src/backend/engine/). Main forwards each window's calls with the
 * window's client id and the engine's events back to that window; the engine validates calls
 * with dispatch() as everywhere else.
 */
export const engineClientSchema = z.string().min(1).max(64);
export const engineInSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: callIdSchema, client: engineClientSchema.optional(), method: z.string().max(128), payload: z.unknown() }).strict(),
  z.object({ t: z.literal('cancel'), id: callIdSchema }).strict(),
  /** The window is gone (closed or reloaded): its events end. */
  z.object({ t: z.literal('gone'), client: engineClientSchema }).strict(),
  /** The app quits: close recordings cleanly and exit. */
  z.object({ t: z.literal('stop') }).strict(),
]);
export type EngineIn = z.infer<typeof engineInSchema>;
export const engineOutSchema = z.discriminatedUnion('t', [
  /** The engine listens (main holds calls until then). */
  z.object({ t: z.literal('ready') }).strict(),
  z.object({ t: z.literal('result'), id: callIdSchema, result: z.unknown() }).strict(),
  z.object({ t: z.literal('event'), client: engineClientSchema, name: z.string().max(128), payload: z.unknown() }).strict(),
]);
export type EngineOut = z.infer<typeof engineOutSchema>;
