import { ManualClock } from '@tristack/core';
import { describeConversationLease } from '@tristack/testing/conformance';
import { JsonRecordLease } from './json-record-lease.js';

// The walkthrough's last step: the official suite, unchanged, against the new driver.
describeConversationLease('JsonRecordLease', () => {
  const clock = new ManualClock();
  // Instances sharing one document map behave like processes sharing one database.
  const documents = new Map<string, string>();
  return {
    create: (options) => new JsonRecordLease({ ...options, documents, clock }),
    wait: async (ms) => clock.advance(ms),
    stall: (ms) => clock.advance(ms),
  };
});
