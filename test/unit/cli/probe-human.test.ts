/** `pathlight probe` without --json: one line per event, naming the process when the agent knows it. */
import { describe, expect, it } from 'vitest';
import { human } from '../../../src/cli/commands/probe.js';

const refused = {
  v: 1,
  type: 'tcp',
  ts: 1764000000300000000,
  node: 'n1',
  netns: 4026532290,
  proto: 'tcp',
  src: '10.244.0.5',
  sport: 43120,
  dst: '10.96.0.15',
  dport: 8080,
  family: 4,
  event: 'refused',
  state: 'SYN_SENT',
  errno: 'ECONNREFUSED',
};

describe('pathlight probe: human lines', () => {
  it('names the process behind a refused connection (probe proc)', () => {
    const line = human({
      ...refused,
      proc: { pid: 4121, tid: 4121, comm: 'curl', cgroupId: 8670, containerId: 'a712b9223a4e6bb01952e373813835046790f4910c87c947987eaeab9114f5c9' },
    });
    expect(line).toContain('TCP  refused (ECONNREFUSED)  10.244.0.5:43120 → 10.96.0.15:8080 tcp');
    expect(line).toMatch(/by curl \(pid 4121, container a712b9223a4e\)$/);
  });

  it('says nothing of a process the agent does not know', () => {
    expect(human(refused)).not.toContain(' by ');
  });
});
