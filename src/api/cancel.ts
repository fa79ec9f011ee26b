/**
 * The part of AbortSignal the contract needs. Declared here because core and api compile
 * without DOM or Node typings; both runtimes' AbortSignal satisfy it structurally.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
