'use strict';
// The security model through the SDK: signUp / logIn / current / become / logOut, a Patient with a
// private ACL invisible to a second user and visible to a member of a role in its ACL through a
// nested role, and a revoked session failing with 209.
const { runScenario } = require('../lib/harness');

runScenario(__filename, async ({ Parse, assert, step, runId, rejectsWithCode }) => {
  // patient names in letters only (the dental template refuses digits in names): the run id in letters
  const tag = runId.replace(/[0-9]/g, (digit) => 'ghijklmnop'[Number(digit)]);
  // Node keeps no current user unless asked to (browsers do by default).
  Parse.User.enableUnsafeCurrentUser();
  const M = { useMasterKey: true };
  const Patient = Parse.Object.extend('Patient');
  const result = {};
  const password = 'pw-' + runId;
  const users = {};
  let patient;

  await step('signUp three staff users', async () => {
    for (const name of ['alice', 'bob', 'carol']) {
      const user = new Parse.User();
      user.set('username', `${name}-${runId}`);
      user.set('password', password);
      user.set('email', `${name}-${runId}@clinic.example`);
      await user.signUp();
      assert.ok(user.getSessionToken().startsWith('r:'));
      assert.equal(Parse.User.current().id, user.id, 'signUp makes the user current');
      users[name] = user;
    }
    await Parse.User.logOut();
    assert.equal(Parse.User.current(), null);
  });

  await step('roles: carol in clinic, clinic nested in practice', async () => {
    const roleAcl = new Parse.ACL();
    roleAcl.setPublicReadAccess(true);
    const clinic = new Parse.Role(`clinic${runId.replace(/[^A-Za-z0-9]/g, '')}`, roleAcl);
    clinic.getUsers().add(users.carol);
    await clinic.save(null, M);
    const practice = new Parse.Role(`practice${runId.replace(/[^A-Za-z0-9]/g, '')}`, roleAcl);
    practice.getRoles().add(clinic);
    await practice.save(null, M);
    users.practiceRole = practice.getName();
  });

  result.login = await step('logIn makes alice current; she creates a private patient', async () => {
    const alice = await Parse.User.logIn(`alice-${runId}`, password);
    assert.equal(Parse.User.current().id, users.alice.id);
    assert.equal(alice.get('email'), `alice-${runId}@clinic.example`, 'a user sees her own email');
    patient = new Patient({ name: `Private ${tag}`, email: `p-${runId}@example.com`, phone: '555' });
    await patient.save();
    const acl = new Parse.ACL(alice);
    acl.setRoleReadAccess(users.practiceRole, true);
    patient.setACL(acl);
    await patient.save(null, M);
    const mine = await new Parse.Query(Patient).get(patient.id);
    assert.equal(mine.get('name'), `Private ${tag}`);
    return { token: alice.getSessionToken().slice(0, 2) };
  });

  result.otherUser = await step('bob cannot see the patient', async () => {
    await Parse.User.logIn(`bob-${runId}`, password);
    const found = await new Parse.Query(Patient).equalTo('name', `Private ${tag}`).find();
    assert.equal(found.length, 0, 'find omits the object');
    const count = await new Parse.Query(Patient).equalTo('name', `Private ${tag}`).count();
    assert.equal(count, 0, 'count omits the object');
    const get = await rejectsWithCode(new Parse.Query(Patient).get(patient.id), Parse.Error.OBJECT_NOT_FOUND,
      'bob gets the private patient');
    patient.set('phone', '555 0102');
    const update = await rejectsWithCode(patient.save(), Parse.Error.OBJECT_NOT_FOUND, 'bob updates it');
    return { get: get.code, update: update.code };
  });

  result.roleMember = await step('carol, member of a role nested in the ACL role, can read it', async () => {
    await Parse.User.logIn(`carol-${runId}`, password);
    const got = await new Parse.Query(Patient).get(patient.id);
    assert.equal(got.get('name'), `Private ${tag}`);
    const found = await new Parse.Query(Patient).equalTo('name', `Private ${tag}`).find();
    assert.equal(found.length, 1);
    got.set('phone', '555 0103');
    const write = await rejectsWithCode(got.save(), Parse.Error.OBJECT_NOT_FOUND, 'carol has read access only');
    return { read: true, write: write.code };
  });

  result.become = await step('become and logOut', async () => {
    const alice = await Parse.User.logIn(`alice-${runId}`, password);
    const token = alice.getSessionToken();
    await Parse.User.logOut();
    const again = await Parse.User.logIn(`alice-${runId}`, password);
    const liveToken = again.getSessionToken();
    await Parse.User._clearCache();
    const became = await Parse.User.become(liveToken);
    assert.equal(became.id, users.alice.id);
    const stale = await rejectsWithCode(Parse.User.become(token), Parse.Error.INVALID_SESSION_TOKEN,
      'become with a logged-out token');
    return { stale: stale.code };
  });

  result.revoked = await step('a revoked session fails with 209', async () => {
    const alice = await Parse.User.logIn(`alice-${runId}`, password);
    const token = alice.getSessionToken();
    const sessions = await new Parse.Query(Parse.Session).equalTo('sessionToken', token).find(M);
    assert.equal(sessions.length, 1);
    await sessions[0].destroy(M);
    const denied = await rejectsWithCode(new Parse.Query(Patient).find({ sessionToken: token }),
      Parse.Error.INVALID_SESSION_TOKEN, 'query with a revoked token');
    return { code: denied.code };
  });

  return result;
});
