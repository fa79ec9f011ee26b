/**
 * SSH settings from the Connect screen: a default user, a key file, a jump host and where each
 * node is reachable. They are written into a generated OpenSSH config (see
 * src/backend/probes/ssh/overlay.ts), so every field is checked here to be one token that
 * cannot start a new config line: no whitespace, quotes, `#` or control characters.
 */
import { z } from 'zod';

/** A token of an OpenSSH config line: nothing that could end the line or start a comment. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
const token = /^[^\s"'#\x00-\x1f\x7f]+$/;
const hostname = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const ipv6 = /^[0-9A-Fa-f:.]+$/;

/** A file path, written as is: no spaces (OpenSSH would need quotes), no line breaks. */
export const sshPathSchema = z.string().min(1).max(1024).regex(token, 'a file path without spaces, quotes or #');
/** A login name as OpenSSH and Linux accept it. */
export const sshUserSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._][A-Za-z0-9._-]*$/, 'a user name (letters, digits, . _ -)');
/** A host name or an IP address (v4, or v6 without brackets). */
export const sshHostSchema = z
  .string()
  .min(1)
  .max(253)
  .refine((h) => hostname.test(h) || ((h.match(/:/g)?.length ?? 0) >= 2 && ipv6.test(h)), 'a host name or an IP address (no port)');
/** A node name (or SSH Host alias) as the cluster spells it. */
export const sshNodeSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a node name');
/** `[user@]host[:port]`, as ProxyJump takes it; an IPv6 host in brackets. */
export const sshJumpSchema = z
  .string()
  .min(1)
  .max(320)
  .refine((j) => parseJumpSpec(j) !== undefined, 'user@host:port (user and port optional)');

export function parseJumpSpec(spec: string): { user?: string; host: string; port?: number } | undefined {
  const m = /^(?:([^@\s]+)@)?(\[[0-9A-Fa-f:.]+\]|[^:@\s[\]]+)(?::(\d{1,5}))?$/.exec(spec);
  if (!m) return undefined;
  const user = m[1];
  const host = (m[2] ?? '').replace(/^\[|\]$/g, '');
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (user !== undefined && !sshUserSchema.safeParse(user).success) return undefined;
  if (!sshHostSchema.safeParse(host).success) return undefined;
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return { ...(user !== undefined ? { user } : {}), host, ...(port !== undefined ? { port } : {}) };
}

export const sshNodeAddressSchema = z.object({ node: sshNodeSchema, address: sshHostSchema }).strict();

export const sshSettingsSchema = z
  .object({
    /** The user's OpenSSH config (default: ~/.ssh/config when it exists). */
    configFile: sshPathSchema.optional(),
    /** Login user on the nodes. */
    user: sshUserSchema.optional(),
    /** Private key file (a path: the key itself never leaves the disk). */
    identityFile: sshPathSchema.optional(),
    /** A bastion every node is reached through. */
    jump: sshJumpSchema.optional(),
    /** Where a node is reachable when its InternalIP is not (NAT, a bastion's view). */
    nodes: z
      .array(sshNodeAddressSchema)
      .max(512)
      .refine((list) => new Set(list.map((n) => n.node)).size === list.length, 'each node once')
      .optional(),
  })
  .strict();
export type SshSettings = z.infer<typeof sshSettingsSchema>;
