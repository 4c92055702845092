import { InMemoryAuditLog, InMemoryAuditStore, ManualClock } from '@tristack/core';
import { describeAuditLog } from './audit-log.js';

describeAuditLog('InMemoryAuditLog', () => {
  const clock = new ManualClock(Date.now());
  const store = new InMemoryAuditStore();
  return {
    create: (options) => new InMemoryAuditLog({ ...options, clock, store }),
    wait: async (ms) => clock.advance(ms),
  };
});
