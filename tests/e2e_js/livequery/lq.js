'use strict';
/**
 * Helpers for the Live Query scenarios (driven by tests/e2e_js/test_livequery_js.py).
 *
 * Extra environment: PARSE_LQ_CLASS — the class the scenarios subscribe to (a Live Query class of the
 * server under test). Every subscription records its events; `until` polls for a condition.
 */
const { runScenario, Parse, assert } = require('../lib/harness');

const EVENTS = ['create', 'update', 'enter', 'leave', 'delete'];

/** Records every event of a subscription as {op, object: JSON, original: JSON | undefined}. */
function record(subscription) {
  const log = [];
  for (const op of EVENTS) {
    subscription.on(op, (object, second) => {
      const original = second instanceof Parse.Object ? second : undefined;
      log.push({ op, id: object.id, className: object.className, object: object.toJSON(), original: original && original.toJSON() });
    });
  }
  subscription.on('error', (error) => log.push({ op: 'error', error: String(error) }));
  return log;
}

async function until(what, predicate, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function wsURL() {
  return process.env.PARSE_SERVER_URL.replace(/^http/, 'ws');
}

/** A LiveQueryClient of its own (as a second device would have), opened and ready. */
async function openClient(sessionToken) {
  const client = new Parse.LiveQueryClient({
    applicationId: process.env.PARSE_APP_ID, serverURL: wsURL(), sessionToken,
  });
  client.open();
  await client.connectPromise;
  return client;
}

/** runScenario, then exit (open websockets would keep node alive). */
function runLiveScenario(file, body) {
  const clients = [];
  const track = (client) => { clients.push(client); return client; };
  return runScenario(file, async (ctx) => {
    try {
      return await body({ ...ctx, track, record, until, openClient: async (t) => track(await openClient(t)) });
    } finally {
      for (const client of clients) client.close();
      await Parse.LiveQuery.close();
    }
  }).then(() => process.exit());
}

module.exports = { runLiveScenario, Parse, assert, EVENTS };
