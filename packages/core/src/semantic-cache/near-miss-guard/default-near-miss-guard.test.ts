import { describe, expect, it, vi } from 'vitest';
import { defaultNearMissGuard, GUARD_MAX_LENGTH } from './default-near-miss-guard.js';
import { combineGuards, type NearMissGuard } from './near-miss-guard.js';

const check = (stored: string, query: string) => defaultNearMissGuard.check(stored, query);

describe('defaultNearMissGuard', () => {
  it.each([
    ['Archive every message in #ops', 'Archive my messages in #ops', 'scope'],
    ['Pay Alice $10 and Bob $200', 'Pay Alice $200 and Bob $10', 'number'],
    ['Set the account balance to -100', 'Set the account balance to 100', 'number'],
    ['Send ₹100 to Ken', 'Send ₩100 to Ken', 'number'],
    ['Multiply by 1e3', 'Multiply by 1e6', 'number'],
    ['Increase the budget by 10%', 'Increase the budget to 10%', 'direction'],
    ['Show tickets assigned to me', 'Show tickets assigned by me', 'direction'],
    ['Merge PR 77', 'Revert PR 77', 'action'],
    ['Flights from Oslo to Rome', 'Flights from Rome to Oslo', 'direction'],
    ['Move my dentist visit to June 4', 'Move my dentist visit to June 14', 'date'],
    ['Book a table for 2', 'Book a table for 4', 'number'],
    ['Convert 5 km to miles', 'Convert 5 kg to miles', 'number'],
    ['Show the changelog for version 2.3', 'Show the changelog for version 3.2', 'number'],
    ['Remind me tomorrow at 3pm', 'Remind me today at 3pm', 'date'],
    ['Show invoices due this Friday', 'Show invoices due next Friday', 'date'],
    ["Don't send the report", 'Send the report', 'negation'],
    ['Which files are signed?', 'Which files are unsigned?', 'negation'],
    ['Email bob@acme.com the invoice', 'Email alice@acme.com the invoice', 'entity'],
    ['Ping @alice in #general', 'Ping @bob in #general', 'entity'],
    ['Close issue #12', 'Close issue #13', 'entity'],
    ['Open https://a.example/x', 'Open https://a.example/y', 'entity'],
    ['Rename `fooBar` to `bazQux`', 'Rename `bazQux` to `fooBar`', 'direction'],
    ['What does parseInput do?', 'What does parseOptions do?', 'entity'],
    ['Delete onboarding-notes.docx', 'Delete offboarding-notes.docx', 'entity'],
    ['Sort the queue by priority, highest first', 'Sort the queue by priority, lowest first', 'direction'],
    ['Convert USD to EUR', 'Convert EUR to USD', 'direction'],
    ['Delete my drafts', 'Show my drafts', 'action'],
    ['Delete all emails from the vendor', 'Delete the latest email from the vendor', 'scope'],
    // Rules read from the tuning half of the labelled pairs, on examples of their own.
    ['Escalate ticket 12', 'De-escalate ticket 12', 'negation'],
    ['Show the billable hours', 'Show the non-billable hours', 'negation'],
    ['Show emails with attachments', 'Show emails without attachments', 'negation'],
    ['List tasks missing an owner', 'List tasks with an owner', 'negation'],
    ['List builds that passed', 'List builds that failed', 'direction'],
    ['Email the quarterly budget', 'Show the quarterly budget', 'action'],
    ['List the files Omar shared with me', 'List the files I shared with Omar', 'direction'],
    ['Show emails sent to me by Priya', 'Show emails sent by me to Priya', 'direction'],
    ['Alice invited Bob to the sync', 'Bob invited Alice to the sync', 'direction'],
    ['Move the Acme Corp contacts into Acme Labs', 'Move the Acme Labs contacts into Acme Corp', 'direction'],
    ['Schedule the review before the standup', 'Schedule the standup before the review', 'direction'],
    ['Open the dashboard for the billing service', 'Open the dashboard for the search service', 'entity'],
    ['Approve the expense report', 'Flag the expense report', 'action'],
    ['Deploy v2.4.1 to staging', 'Deploy v2.4.2 to staging', 'number'],
    ['Get the deploy logs', 'Delete the deploy logs', 'action'],
    // "closed" after "all" is read as an action, after "the" as a thing ("the closed tickets").
    ['Archive all closed tickets', 'Archive the closed tickets tagged billing', 'action'],
    ['Show my calendar for Friday', "Show the team's calendar for Friday", 'scope'],
    ['Mute all channels', 'Mute this channel', 'scope'],
    ['Show the open issues', 'Show some of the open issues', 'scope'],
    ['Ping @alice in #general', 'Ping @alice in #random.', 'entity'],
    // Rules read from tuning-extra.jsonl (a second tuning set), on examples of their own.
    ['Approve every request from finance', 'Approve every request other than those from finance', 'negation'],
    ['List repos owned by Globex', 'List repos owned by anyone but Globex', 'negation'],
    ['Shift the sync from 2pm to 3pm', 'Shift the sync from 3pm to 2pm', 'direction'],
    ['Who does Maria manage?', 'Who manages Maria?', 'direction'],
    ['Tickets escalated by Dana', 'Tickets escalated to Dana', 'direction'],
    // Found by an outside review of those rules: courtesy and context that were the request.
    [
      "Let me know if you can attend Friday's meeting",
      "Let me know if you can't attend Friday's meeting",
      'negation',
    ],
    ['Mark the order as no rush', 'Mark the order as rush', 'negation'],
    [
      'The invoice was not paid, please email the client',
      'Please email the client that the invoice was paid',
      'negation',
    ],
    [
      'Not the red one, please order the blue shirt',
      'Please order the red shirt and the blue shirt',
      'negation',
    ],
    ['We have 3 guests, can you set the table', 'Can you set the table', 'number'],
    ["It's for Tuesday, can you book a table at Nopa", 'Can you book a table at Nopa', 'date'],
    [
      "I'm flying from Boston, can you find hotels in Denver",
      'Can you find hotels in Denver for my flight to Boston',
      'direction',
    ],
    [
      'Does anyone other than Bob have access to the vault?',
      'Does everyone other than Bob have access to the vault?',
      'scope',
    ],
    ['Delete nothing other than the logs', 'Delete everything other than the logs', 'scope'],
    ['Drop the temp table', 'Drop the temperature table', 'entity'],
    ['Delete the deploy role', 'Delete the deploy job', 'entity'],
    ['Well-paid jobs in Denver', 'Low-paid jobs in Denver', 'entity'],
    [
      'Call Ann at 9am, Bob at 10am, then Ann again at 9am',
      'Call Ann at 10am, Bob at 9am, then Ann again at 9am',
      'direction',
    ],
    // Rules read from tuning-third.jsonl (a third tuning set), on examples of their own.
    ['List invoices that have been paid', "List invoices that haven't been paid", 'negation'],
    ['Which builds were cached?', "Which builds weren't cached?", 'negation'],
    ['Which services have a runbook?', 'Which services lack a runbook?', 'negation'],
    ['Emails that got a reply', 'Emails that failed to get a reply', 'negation'],
    ['Tasks with a deadline in Q3', 'Tasks w/o a deadline in Q3', 'negation'],
    ['Projects with a sponsor', 'Sponsorless projects', 'negation'],
    ['Archive the invoice from Globex', 'Archive the invoices from Globex', 'scope'],
    ['Approve this request', 'Approve these requests', 'scope'],
    ['Tag the reply as billing', 'Tag the replies as billing', 'scope'],
    ['Copy the files into the shared drive', 'Copy the files out of the shared drive', 'direction'],
    [
      'Files in staging-eu that are missing from prod',
      'Files in prod that are missing from staging-eu',
      'direction',
    ],
    ['Pin the release notes in #eng', 'Save the release notes in #eng', 'action'],
    ['Rerun the nightly job', 'Cancel the nightly job', 'action'],
    ['Snooze the alert from Grafana', 'Dismiss the alert from Grafana', 'action'],
    ['Translate the memo from Ines', 'Summarize the memo from Ines', 'action'],
    ['Open the gate at 9 and close it at 5', 'Close the gate at 9 and open it at 5', 'direction'],
    // Rules read from tuning-fourth.jsonl (a fourth tuning set), on examples of their own.
    [
      'Which hosts depend on the cache cluster?',
      'Which hosts does the cache cluster depend on?',
      'direction',
    ],
    ['Find builds that trigger DEPLOY-7', 'Find builds triggered by DEPLOY-7', 'direction'],
    ['Show the shoes that are in stock', 'Show the shoes that are out of stock', 'direction'],
    ['Rebase the docs branch', 'Squash the docs branch', 'action'],
    ['Drain node db-2', 'Cordon node db-2', 'action'],
    ['Reply to the thread from Omar', 'Reply all to the thread from Omar', 'action'],
    // Found by an outside review of those rules.
    ['Cancel my meeting with the designer', 'Cancel my meetings with the engineer', 'entity'],
    ['Don‘t email Ana', 'Email Ana', 'negation'],
    ['Show users who have logged in', 'Show users who havenʼt logged in', 'negation'],
    ['Contacts who emailed Ana', 'Contacts that were emailed by Ana', 'direction'],
    ['Tickets that blocked the release', 'Tickets blocked by the release', 'direction'],
    ['Is this approved', 'Is this rejected', 'action'],
    ['Have her approve it', 'Have her reject it', 'action'],
    ['Undo all deletes from today', 'Undo all merges from today', 'action'],
    ['Check my order', 'Cancel my order', 'action'],
    ['Show my schedule for Friday', 'Share my schedule for Friday', 'action'],
    // From the sixth tuning set's leaks and the others' last ones (written anew, not copied).
    ['Mark INC-12 as done', 'Reopen INC-12', 'action'],
    ['Mark the card "call mom" done', 'Archive the card "call mom"', 'action'],
    ['Mark the ticket as pending', 'Mark the ticket as solved', 'action'],
    ['Accept the invite from Priya', 'Mark the invite from Priya as tentative', 'action'],
    ['the parcel that arrived on Friday', 'the parcel that arrives on Friday', 'date'],
    ['Ship 20 crates from Dock A to Dock B', 'Ship 20 crates from Dock B to Dock A', 'direction'],
    ['Is row A larger than row B?', 'Is row B larger than row A?', 'direction'],
    ['Reserve Room C for the retro', 'Reserve Room D for the retro', 'entity'],
    ['Lock the back door', 'Check whether the back door is locked', 'action'],
    ['Is the PR merged?', 'Merge the PR', 'action'],
    ['Did the nightly build pass?', 'Rerun the nightly build', 'action'],
    ['Who signs off on expenses for Noor?', 'Whose expenses does Noor sign off on?', 'direction'],
    ['Give Lee access to the budget sheet', "Revoke Lee's access to the budget sheet", 'action'],
    ['Share the deck with finance', 'Stop sharing the deck with finance', 'action'],
    ['Comment on BUG-9 that a fix is coming', 'Edit my comment on BUG-9 that a fix is coming', 'action'],
    ['Set my status to focusing', 'Clear my status', 'action'],
    ['Approve the travel report from Ines', 'Flag the travel report from Ines', 'action'],
    ['Message the supplier at Norbrook', 'Message every supplier at Norbrook', 'scope'],
    ['Delete the images in the thread with design', 'Delete the thread with design', 'scope'],
    ['unread messages from my manager', 'unread messages', 'scope'],
    ['Archive the epic', 'Archive the epic and all its subtasks', 'scope'],
    ['Duplicate the chart', 'Duplicate the whole sheet including the chart', 'scope'],
    ['Let the build role assume the CD role', 'Let the CD role assume the build role', 'direction'],
    ['Dim the hallway light', 'Turn off the hallway light', 'action'],
    ['Describe deployment web-3', 'Delete deployment web-3', 'action'],
    ['Assign the bug to Rui', 'Cc Rui on the bug', 'action'],
    // From an outside review of those rules, and the seventh tuning set's leaks.
    ['Did you send the invoice?', 'Send the invoice', 'action'],
    ['Has the email been sent?', 'Send the email', 'action'],
    ['Quick question: is the refund processed?', 'Process the refund', 'action'],
    ['Is autoscaling enabled on the cluster?', 'Enable autoscaling on the cluster', 'action'],
    ['When did my package arrive?', 'When does my package arrive?', 'date'],
    ['Forward the emails about the budget', 'Forward the emails', 'scope'],
    ['Does the Q2 tab reference the Q1 tab?', 'Does the Q1 tab reference the Q2 tab?', 'direction'],
    [
      'Schedule the blinds to open at 7 and close at 9',
      'Schedule the blinds to close at 7 and open at 9',
      'direction',
    ],
    // From a second outside review.
    ['Submit the expense report', 'Text the expense report', 'action'],
    ['Avoid tolls and highways', 'Avoid highways', 'scope'],
    ['Mute email and slack notifications', 'Mute slack notifications', 'scope'],
    ['Show me open PRs', 'Show me my open PRs', 'scope'],
  ] as const)('turns down %j for %j (%s)', (stored, query, reason) => {
    expect(check(stored, query)).toEqual({ accept: false, reason });
  });

  it.each([
    ['How do I reset my password?', 'how can I reset my password'],
    ['Convert 5 km to miles', 'convert five kilometers to miles'],
    ['Remind me at 3pm tomorrow', 'remind me tomorrow at 15:00'],
    ['Merge PR 77', 'please merge pull request #77'],
    ['Ping @alice in #general', 'ping Alice in the general channel'],
    ['What is the weather in Paris today?', "what's the weather in paris today"],
    ['Delete my drafts', 'Remove my drafts'],
    ['Find and delete duplicate files', 'delete duplicate files'],
    ['Do not send the report', "Don't send the report"],
    ['Flights from Oslo to Rome', 'Flights to Rome from Oslo'],
    // Typos (one edit, four letters or more), abbreviations, acronyms, number spellings.
    ['Assign ticket 42 to the billing queue', 'Asign ticket 42 to the biling queue'],
    ['Remind me on Friday', 'Remind me on Firday'],
    ['Whats the CI status of PR 9', "What's the continuous integration status of pull request 9"],
    [
      'Show all opps in the EMEA pipeline',
      'Show all opportunities in the Europe, Middle East and Africa pipeline',
    ],
    ['Pls send the mtg notes to Ana', 'Please send the meeting notes to Ana'],
    ['Pay Alice $10 and Bob $200', 'Pay Bob $200 and Alice $10'],
    ['Set the temperature to -5 degrees', 'Set the temperature to minus 5 degrees'],
    ['Read pages 3-5 of the report', 'Please read pages 3-5 of the report'],
    ['Update the forecast to 120k', 'Update the forecast to 120 thousand'],
    ['Show revenue for Q4', 'Show revenue for the fourth quarter'],
    ['Close 3004 as a duplicate', 'Close ticket 3004 as a duplicate'],
    // Synonyms of one action class, a negation spelled two ways, context before ", so".
    ['Erase the old exports folder', 'Delete the old exports folder'],
    ['Show unread emails from Kai', "Show the emails from Kai that I haven't read"],
    ['Share the deck with Noor', 'Noor is new to the team, so please share the deck with her'],
    ['Could you invite the contractors to #project-x?', 'Invite the contractors to #project-x.'],
    // Synonyms and abbreviations of the wider lists, courtesy, context before ", please", units.
    ['Book a cheap hotel in Lisbon', 'Book an inexpensive hotel in Lisbon'],
    ['Tell the team I am out of office until Friday', "Tell the team I'm OOO until Fri"],
    ['Find a flight from Los Angeles to Denver in December', 'Find a flight from LA to Denver in Dec'],
    ['Mute #random', "Ugh, it's so noisy in there, please mute #random"],
    ['Export the roadmap as a PDF', "If it's not too much trouble, export the roadmap as a PDF"],
    ['When is the next payday?', 'Sorry to bother you with this, but when is the next payday?'],
    ['List unpaid invoices', 'Could you list every invoice that has not been paid?'],
    ['Set the heating to 68 degrees Fahrenheit', 'Set the heating to 68 F'],
    // The third tuning set's rules leave these be: a question's "does" takes its verb's "s", "todays"
    // is "today's", lists joined by "and" have no order, and a moved clause is a reordering.
    ['When does the pharmacy open?', 'Tell me when the pharmacy opens'],
    ["Summarize today's standup", 'Summarize todays standup'],
    ['Invite Ana and Bob to the retro', 'Invite Bob and Ana to the retro'],
    ['Tomorrow in Lima, what is the low?', 'What is the low in Lima tomorrow?'],
    ['Restart the api pods', 'Reboot the api pods'],
    ['Check my email', 'Check my emails'],
    ['Set my status to OOO till Fri', 'Set my status to out of office until Friday'],
    ['Close out the stale tickets in the docs project', 'Close the stale tickets in the docs project'],
    ['PRs reviewed by Sam', 'PRs that Sam reviewed'],
    // Found by an outside review of those rules.
    [
      'Who reports to Maria and who does Maria report to?',
      'Who reports to Maria and who does Maria report to',
    ],
    ['Remind me when Ana replies', 'Remind me when Ana will reply'],
    ['Tomorrow, book a table at Nopa', 'At Nopa, book a table tomorrow'],
    ['With Ana, schedule a call about pricing', 'About pricing, schedule a call with Ana'],
    ['Which hosts run redis?', 'Which hosts does redis run on?'],
    ['Alert me if the backup fails to run', 'Alert me if the backup run fails'],
    ['Reply to the email', 'Reply to the emails'],
    ['Are iPhones compatible with this charger', 'Is this charger compatible with iPhones'],
    ['Report this post', 'Flag this post'],
    ['Clear the alarm', 'Dismiss the alarm'],
    ['Search my emails for invoices', 'Find invoices in my emails'],
    ['Mark INC-12 as done', 'Close INC-12'],
    ['Mark the email from Bo as urgent', 'Flag the email from Bo as urgent'],
    ['Look up the owner of the Acme account', 'Find the owner of the Acme account'],
    ['Make a new page called Launch Plan', 'Create a new page called Launch Plan'],
    ['Spin up a new VM in eu-north-1', 'Provision a new VM in eu-north-1'],
    ['Bump up the volume by 3', 'Raise the volume by 3'],
    ['Remind me to water the plants', 'Set a reminder to water the plants'],
    ['Close issue 88', 'We shipped the fix yesterday, so please close issue 88'],
    ['Book a table at Lupa for Friday', "It's for Friday, so please book a table at Lupa"],
    ['Is the garage door closed?', 'Check if the garage door is closed'],
    ['Mute #general', "Ugh, it's so loud today, please mute #general"],
    ['Book a table at Nopa', 'Book A table at Nopa'],
    ['Stop sharing the deck with finance', "Revoke finance's access to the deck"],
    [
      'Post the notes in #eng',
      "I'm heading out soon — could you post the notes in #eng so everyone sees them",
    ],
    ['Put the total in column A', 'Put the total in Column A'],
    ['Fix the bug that crashes the app', 'Fix the bug that crashed the app'],
    ['Did Alice reply to my email?', 'See if Alice replied to my email'],
    ['Is the store open now?', 'Tell me if the store is open now'],
    ['Is the VPN connected?', 'Check that the VPN is connected'],
    ['Mark the task as being done', 'Mark the task as done'],
    ['Set an alarm for 7am', 'Set my alarm for 7am please'],
    ['Set a new password', 'Change my password'],
    ['Summarize the emails in my inbox', 'Summarize my inbox'],
    ['Create a ticket for the broken login', 'Open a ticket for the broken login'],
    ['Draft a reply to Jen saying yes', 'Draft a reply to Jen and say yes'],
    ['Show unread emails', 'Please show my unread emails'],
    ['Back up the photos', 'Back up my photos'],
    ['What is __proto__ in JavaScript', 'What is the __proto__ in JavaScript'],
    ['Explain the constructor in Java', 'Explain the constructor in Java please'],
    ['close issue 77', 'We fixed this, so please go ahead and close issue 77'],
  ] as const)('lets %j answer %j', (stored, query) => {
    expect(check(stored, query)).toEqual({ accept: true });
  });

  it('refuses a 100k-character hostile prompt unread: reason length, no text past the bound parsed', () => {
    const hostile = `${'a-'.repeat(25_000)}! ${'1.'.repeat(21_000)} ${'send it to x y and '.repeat(500)}@x`;
    expect(hostile.length).toBeGreaterThan(100_000);
    // Every text the guard reads is normalised first: the spy sees the length of each one read.
    const read: number[] = [];
    const normalize = String.prototype.normalize;
    const spy = vi.spyOn(String.prototype, 'normalize').mockImplementation(function (this: string, form) {
      read.push(this.length);
      return normalize.call(this, form);
    });
    try {
      expect(check(hostile, `${hostile} 2`)).toEqual({ accept: false, reason: 'length' });
      expect(check('Merge PR 77', hostile)).toEqual({ accept: false, reason: 'length' });
      expect(check(hostile, hostile)).toEqual({ accept: true });
      expect(read).toEqual([]);
      const atBound = hostile.slice(0, GUARD_MAX_LENGTH);
      expect(check(atBound, `${atBound.slice(0, -2)} 3`).accept).toBe(false);
      expect(read.length).toBeGreaterThan(0);
      expect(Math.max(...read)).toBeLessThanOrEqual(GUARD_MAX_LENGTH);
    } finally {
      spy.mockRestore();
    }
  });

  it('compares many "to" phrases as sets, with the same verdicts', () => {
    const targets = (names: readonly string[]) => names.map((name) => `send the file to ${name}`).join('. ');
    const names = Array.from({ length: 60 }, (_, at) => `n${at.toString(36)}x`);
    expect(check(targets(names), `${targets(names)} please`).accept).toBe(true);
    expect(check(targets(names), targets(names.map((name) => `${name}q`)))).toEqual({
      accept: false,
      reason: 'direction',
    });
    expect(check('Move the budget into initech inc', 'Move the budget into initech ltd')).toEqual({
      accept: false,
      reason: 'direction',
    });
    expect(check('Move the budget into initech', 'Move the budget into initech inc').accept).toBe(true);
  });

  it('still reads emails and file names with bounded patterns', () => {
    expect(
      check('Email bob@mail.acme.co.uk the notes', 'Email bob@mail.acme.co.uk the notes please'),
    ).toEqual({
      accept: true,
    });
    expect(check('Delete q3-sales-final-v2.xlsx', 'Delete q3-sales-final-v3.xlsx').accept).toBe(false);
  });
});

describe('combineGuards', () => {
  it('accepts only what every guard accepts; the first refusal names the reason', () => {
    const calls: string[] = [];
    const noQuestions: NearMissGuard = {
      check: (_stored, query) => {
        calls.push(query);
        return query.endsWith('?') ? { accept: false, reason: 'scope' } : { accept: true };
      },
    };
    const guard = combineGuards(defaultNearMissGuard, noQuestions);
    expect(guard.check('Merge PR 77', 'Revert PR 77')).toEqual({ accept: false, reason: 'action' });
    expect(calls).toEqual([]);
    expect(guard.check('Merge PR 77', 'Merge PR 77?')).toEqual({ accept: false, reason: 'scope' });
    expect(guard.check('Merge PR 77', 'merge PR 77')).toEqual({ accept: true });
    expect(combineGuards().check('a', 'b')).toEqual({ accept: true });
  });
});
