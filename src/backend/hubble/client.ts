/**
 * A Hubble client: Cilium's own verdicts for a time window and the addresses of a question,
 * read over gRPC from a Hubble observer — a node's Hubble socket (`unix:///var/run/cilium/
 * hubble.sock`) or Hubble Relay (`host:port`, e.g. a port-forward to the relay Service). The
 * observer API is Cilium's own (proto/, vendored from the Cilium module by proto/vendor.sh),
 * loaded at run time by @grpc/proto-loader. Each flow is handed over as the line
 * `hubble observe -o jsonpb` prints for it, so the flows import (src/core/flows/hubble.ts)
 * reads live flows and files alike.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PathlightError } from '../../api/index.js';

/** Where the protos are: beside this file once built (scripts/build.mjs copies them), in src when run from the sources. */
function protoDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [path.join(here, 'proto'), path.join(here, '../../../src/backend/hubble/proto')]) {
    if (existsSync(path.join(dir, 'observer/observer.proto'))) return dir;
  }
  throw new PathlightError({ code: 'internal', message: "Hubble's observer API (observer.proto) is missing from this build." });
}

type Json = Record<string, unknown>;
interface ObserverClient extends grpc.Client {
  GetFlows(req: Json, opts?: grpc.CallOptions): grpc.ClientReadableStream<Json>;
  ServerStatus(req: Json, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Json) => void): grpc.ClientUnaryCall;
}

let observerCtor: (new (address: string, creds: grpc.ChannelCredentials) => ObserverClient) | undefined;

function observer(target: string): ObserverClient {
  if (!observerCtor) {
    const def = protoLoader.loadSync('observer/observer.proto', {
      includeDirs: [protoDir()],
      // As protojson with the proto's own names (`hubble observe -o jsonpb`): enums by name,
      // 64-bit numbers as strings, zero values left out.
      keepCase: true,
      enums: String,
      longs: String,
      defaults: false,
      oneofs: false,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { observer: { Observer: typeof observerCtor } };
    observerCtor = pkg.observer.Observer;
  }
  // The observer API is plaintext on the node's socket and on a relay without TLS (the lab's, a port-forward).
  return new observerCtor!(target, grpc.credentials.createInsecure());
}

/** google.protobuf.Timestamp as an object → RFC 3339 with nanoseconds (protojson's form). */
function rfc3339(t: unknown): string | undefined {
  const o = t as { seconds?: string | number; nanos?: number } | undefined;
  if (!o || o.seconds === undefined) return undefined;
  const s = Number(o.seconds);
  const base = new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  return `${base}.${String(o.nanos ?? 0).padStart(9, '0')}Z`;
}

/** protoLoader's message → protojson: Timestamps as RFC 3339 strings, wrappers as their value. */
function toProtoJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toProtoJson);
  if (!v || typeof v !== 'object' || Buffer.isBuffer(v)) return Buffer.isBuffer(v) ? v.toString('base64') : v;
  const o = v as Json;
  const keys = Object.keys(o);
  if (keys.length <= 2 && 'seconds' in o && keys.every((k) => k === 'seconds' || k === 'nanos')) return rfc3339(o);
  if (keys.length === 1 && keys[0] === 'value') return o.value;
  return Object.fromEntries(keys.map((k) => [k, toProtoJson(o[k])]));
}

const timestamp = (ns: number) => ({ seconds: String(Math.floor(ns / 1e9)), nanos: Math.round(ns % 1e9) });

export interface HubbleQuery {
  /** `unix:///path/hubble.sock` or `host:port`. */
  target: string;
  /** What messages call it (default: the target), e.g. the node's socket behind an SSH bridge. */
  label?: string;
  /** Time window, ns since the epoch. */
  sinceNs: number;
  untilNs?: number;
  /** Flows to or from one of these addresses (all when empty). */
  ips?: string[];
  /** Most flows to read (the query stops there). */
  limit?: number;
  signal?: AbortSignal;
  /** How long the connection and the first answer may take, ms (default 5000). */
  timeoutMs?: number;
}

/**
 * The flows of the window, as `hubble observe -o jsonpb` lines (one JSON object per flow:
 * `{"flow":…,"node_name":…,"time":…}`). A Hubble that cannot be reached, or that answers with
 * an error, is a PathlightError naming the target and the next step.
 */
export async function hubbleFlowLines(q: HubbleQuery): Promise<string[]> {
  const client = observer(q.target);
  const deadline = Date.now() + (q.timeoutMs ?? 5000);
  try {
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(deadline, (err) =>
        err
          ? reject(
              new PathlightError({
                code: 'probe-failed',
                message: `Hubble at ${q.label ?? q.target} did not answer: ${err.message}.`,
                hint: 'Check that Hubble is enabled on the node (cilium-agent --enable-hubble) and that its socket or Relay is reachable from here.',
              }),
            )
          : resolve(),
      ),
    );
    const filters = q.ips?.length ? [{ source_ip: q.ips }, { destination_ip: q.ips }] : [];
    const call = client.GetFlows({
      since: timestamp(q.sinceNs),
      ...(q.untilNs !== undefined ? { until: timestamp(q.untilNs) } : {}),
      whitelist: filters,
    });
    const onAbort = () => call.cancel();
    q.signal?.addEventListener('abort', onAbort, { once: true });
    const lines: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        call.on('data', (res: Json) => {
          const flow = res.flow as Json | undefined;
          if (!flow) return; // node status and lost-events messages
          const time = rfc3339(res.time) ?? rfc3339(flow.time);
          lines.push(JSON.stringify({ flow: toProtoJson(flow), node_name: res.node_name ?? flow.node_name, ...(time ? { time } : {}) }));
          if (q.limit !== undefined && lines.length >= q.limit) call.cancel();
        });
        call.on('error', (err: grpc.ServiceError) =>
          err.code === grpc.status.CANCELLED
            ? resolve()
            : reject(
                new PathlightError({
                  code: 'probe-failed',
                  message: `Hubble at ${q.label ?? q.target} stopped the query: ${err.details || err.message}.`,
                  hint: 'Check the Hubble version (Cilium 1.14 or later) and its logs.',
                }),
              ),
        );
        call.on('end', () => resolve());
      });
    } finally {
      q.signal?.removeEventListener('abort', onAbort);
    }
    return lines;
  } finally {
    client.close();
  }
}
