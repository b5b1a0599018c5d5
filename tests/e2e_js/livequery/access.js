'use strict';
// Access with the official SDK: per-user LiveQueryClients with session tokens; a user without read access
// receives nothing, protected fields never appear (even when selected), CLP refusals reject subscribe(),
// and logging out ends the subscriptions that rested on the session.
const { runLiveScenario } = require('./lq');

runLiveScenario(__filename, async ({ Parse, assert, step, runId, record, until, openClient, rejectsWithCode }) => {
  const Item = Parse.Object.extend(process.env.PARSE_LQ_CLASS);
  const Secret = Parse.Object.extend(process.env.PARSE_LQ_SECRET_CLASS);
  const result = {};
  const users = {};

  await step('sign up two users', async () => {
    for (const name of ['alice', 'bob']) {
      const user = await Parse.User.signUp(`${name}-${runId}`, 'pw-123456', { email: `${name}-${runId}@example.com` });
      users[name] = { user, token: user.getSessionToken() };
    }
  });

  const clients = {};
  const logs = {};
  await step('one Live Query client per device', async () => {
    clients.alice = await openClient(users.alice.token);
    clients.bob = await openClient(users.bob.token);
    clients.anonymous = await openClient(undefined);
    for (const [name, client] of Object.entries(clients)) {
      const subscription = client.subscribe(new Parse.Query(Item).equalTo('run', runId));
      await subscription.subscribePromise;
      logs[name] = record(subscription);
    }
  });

  result.acl = await step('a private object reaches its owner only', async () => {
    const mine = new Item({ run: runId, text: 'private' });
    mine.setACL(new Parse.ACL(users.alice.user));
    await mine.save(null, { sessionToken: users.alice.token });
    const marker = new Item({ run: runId, text: 'public marker' });
    await marker.save();
    // events are delivered in order: once the marker arrived, the private one can no longer come
    for (const name of ['alice', 'bob', 'anonymous']) {
      await until(`${name} sees the marker`, () => logs[name].find((e) => e.id === marker.id));
    }
    assert.deepEqual(logs.alice.map((e) => e.object.text), ['private', 'public marker']);
    assert.deepEqual(logs.bob.map((e) => e.object.text), ['public marker']);
    assert.deepEqual(logs.anonymous.map((e) => e.object.text), ['public marker']);
    // sharing with bob makes it enter his view, without the state he could not read
    const shared = new Parse.ACL(users.alice.user);
    shared.setReadAccess(users.bob.user.id, true);
    mine.setACL(shared);
    mine.set('text', 'shared');
    await mine.save(null, { sessionToken: users.alice.token });
    const enter = await until('bob hears the share', () => logs.bob.find((e) => e.id === mine.id));
    assert.equal(enter.op, 'enter');
    assert.equal(enter.original, undefined);
    const update = await until('alice hears her update', () => logs.alice[2]);
    assert.equal(update.op, 'update');
    return { alice: logs.alice.length, bob: logs.bob.map((e) => e.op), anonymous: logs.anonymous.length };
  });

  result.protected = await step('protected fields never appear', async () => {
    const subscription = clients.alice.subscribe(new Parse.Query(Secret).equalTo('run', runId));
    await subscription.subscribePromise;
    const log = record(subscription);
    const selecting = clients.alice.subscribe(new Parse.Query(Secret).equalTo('run', runId).select('code', 'label'));
    await selecting.subscribePromise;
    const selectedLog = record(selecting);
    const secret = new Secret({ run: runId, label: 'x-ray', code: 'S3CR3T' });
    await secret.save(null, { sessionToken: users.alice.token });
    secret.set('code', 'CHANGED');
    secret.set('label', 'x-ray 2');
    await secret.save(null, { sessionToken: users.alice.token });
    await until('create and update', () => log.length === 2 && selectedLog.length === 2);
    for (const event of [...log, ...selectedLog]) {
      assert.equal(event.object.code, undefined, `${event.op} object leaks code`);
      if (event.original) assert.equal(event.original.code, undefined, `${event.op} original leaks code`);
    }
    assert.equal(log[1].object.label, 'x-ray 2');
    assert.equal(selectedLog[0].object.label, 'x-ray');
    const fetched = await new Parse.Query(Secret).get(secret.id, { sessionToken: users.alice.token });
    assert.equal(fetched.get('code'), undefined, 'REST hides it too');
    return log.map((e) => Object.keys(e.object).sort());
  });

  result.clp = await step('a class requiring authentication refuses anonymous subscriptions', async () => {
    const subscription = clients.anonymous.subscribe(new Parse.Query('TreatmentPlan'));
    const error = await rejectsWithCode(subscription.subscribePromise, Parse.Error.OBJECT_NOT_FOUND,
      'anonymous subscribe to TreatmentPlan');
    const ok = clients.bob.subscribe(new Parse.Query('TreatmentPlan'));
    await ok.subscribePromise;
    return error.message;
  });

  result.logout = await step('logging out ends the subscriptions resting on the session', async () => {
    // what Parse.User.logOut() sends (node has no current user to log out)
    await Parse.CoreManager.getRESTController().request('POST', 'logout', {}, { sessionToken: users.alice.token });
    const ended = await until('alice is told', () => logs.alice.find((e) => e.op === 'error'));
    assert.equal(ended.error, 'Invalid session token');
    const after = new Item({ run: runId, text: 'after logout' });
    await after.save();
    await until('bob sees it', () => logs.bob.find((e) => e.id === after.id));
    assert.equal(logs.alice.find((e) => e.id === after.id), undefined, 'alice hears nothing any more');
    return ended.error;
  });
  return result;
});
