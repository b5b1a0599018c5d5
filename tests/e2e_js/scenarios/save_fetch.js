'use strict';
// Parse.Object save / fetch / Query.get / update / unset / destroy on a client-created class, plus
// GeoPoint/ACL round trips and the errors the SDK sees (111 schema mismatch, 101 not found / no write).
const { runScenario } = require('../lib/harness');

runScenario(__filename, async ({ Parse, assert, step, runId, rejectsWithCode }) => {
  const GameScore = Parse.Object.extend('GameScore');
  const playedAt = new Date('2024-03-01T12:34:56.789Z');
  const score = new GameScore();

  await step('create', async () => {
    score.set({
      run: runId,
      score: 1337,
      playerName: 'Sean Plott',
      cheatMode: false,
      tags: ['arcade', 'retro'],
      meta: { level: 3, nested: { x: 1.5, label: 'deep' } },
      playedAt,
    });
    await score.save();
    assert.match(score.id, /^[A-Za-z0-9]{10}$/, 'objectId is 10 alphanumerics');
    assert.ok(score.createdAt instanceof Date, 'createdAt is a Date');
    assert.ok(score.updatedAt instanceof Date, 'updatedAt is a Date');
    assert.ok(!score.dirty(), 'saved object is not dirty');
  });

  const fetched = await step('fetch', async () => {
    const copy = GameScore.createWithoutData(score.id);
    await copy.fetch();
    assert.equal(copy.get('score'), 1337);
    assert.equal(copy.get('playerName'), 'Sean Plott');
    assert.equal(copy.get('cheatMode'), false);
    assert.deepEqual(copy.get('tags'), ['arcade', 'retro']);
    assert.deepEqual(copy.get('meta'), { level: 3, nested: { x: 1.5, label: 'deep' } });
    assert.ok(copy.get('playedAt') instanceof Date, 'Date field decodes to a Date');
    assert.equal(copy.get('playedAt').toISOString(), playedAt.toISOString());
    assert.equal(copy.createdAt.toISOString(), score.createdAt.toISOString());
    return copy;
  });

  await step('query.get', async () => {
    const got = await new Parse.Query(GameScore).get(score.id);
    assert.equal(got.id, score.id);
    assert.equal(got.get('playerName'), 'Sean Plott');
    assert.equal(got.get('run'), runId);
  });

  await step('update and unset', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const before = score.updatedAt.getTime();
    score.set('score', 1338);
    score.set('playerName', 'Sean P.');
    score.unset('cheatMode');
    await score.save();
    assert.ok(score.updatedAt.getTime() > before, 'updatedAt moves forward on update');
    const again = await new Parse.Query(GameScore).get(score.id);
    assert.equal(again.get('score'), 1338);
    assert.equal(again.get('playerName'), 'Sean P.');
    assert.equal(again.has('cheatMode'), false, 'unset field is gone');
    assert.deepEqual(again.get('tags'), ['arcade', 'retro'], 'untouched fields are kept');
    assert.equal(again.updatedAt.toISOString(), score.updatedAt.toISOString());
  });

  await step('fetch refreshes a stale instance', async () => {
    await fetched.fetch();
    assert.equal(fetched.get('score'), 1338);
    assert.equal(fetched.has('cheatMode'), false);
  });

  await step('GeoPoint and ACL round trip', async () => {
    const locked = new GameScore({ run: runId, score: 1, where: new Parse.GeoPoint(40.5, -73.25) });
    const acl = new Parse.ACL();
    acl.setPublicReadAccess(true);
    acl.setPublicWriteAccess(false);
    locked.setACL(acl);
    await locked.save();
    const got = await new Parse.Query(GameScore).get(locked.id);
    assert.ok(got.get('where') instanceof Parse.GeoPoint, 'GeoPoint decodes to a Parse.GeoPoint');
    assert.equal(got.get('where').latitude, 40.5);
    assert.equal(got.get('where').longitude, -73.25);
    assert.equal(got.getACL().getPublicReadAccess(), true);
    assert.equal(got.getACL().getPublicWriteAccess(), false);
    got.set('score', 2);
    await rejectsWithCode(got.save(), Parse.Error.OBJECT_NOT_FOUND, 'update without write access');
    await rejectsWithCode(got.destroy(), Parse.Error.OBJECT_NOT_FOUND, 'destroy without write access');
  });

  await step('schema mismatch is refused', async () => {
    const bad = new GameScore({ run: runId, score: 'not a number' });
    await rejectsWithCode(bad.save(), Parse.Error.INCORRECT_TYPE, 'save score as a String');
  });

  await step('destroy', async () => {
    await score.destroy();
    await rejectsWithCode(new Parse.Query(GameScore).get(score.id), Parse.Error.OBJECT_NOT_FOUND,
      'get after destroy');
    await rejectsWithCode(GameScore.createWithoutData(score.id).fetch(), Parse.Error.OBJECT_NOT_FOUND,
      'fetch after destroy');
  });

  await step('get unknown id', async () => {
    await rejectsWithCode(new Parse.Query(GameScore).get('doesNotExi'), Parse.Error.OBJECT_NOT_FOUND,
      'get unknown id');
  });

  return { objectId: score.id, finalScore: 1338 };
});
