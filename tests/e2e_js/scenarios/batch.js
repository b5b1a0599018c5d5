'use strict';
// Parse.Object.saveAll / fetchAll / destroyAll through POST /batch (the SDK sends 20 per batch),
// including updates, per-item errors and destroying already-deleted objects.
const { runScenario } = require('../lib/harness');

const N = 45;

runScenario(__filename, async ({ Parse, assert, step, runId, rejectsWithCode }) => {
  const GameScore = Parse.Object.extend('GameScore');
  const q = () => new Parse.Query(GameScore).equalTo('run', runId);
  const result = {};
  let objs;

  result.created = await step('saveAll creates (3 batches)', async () => {
    objs = Array.from({ length: N }, (_, i) => new GameScore({ run: runId, batchNo: i, score: i * 2 }));
    const saved = await Parse.Object.saveAll(objs);
    assert.equal(saved.length, N);
    assert.ok(objs.every((o) => typeof o.id === 'string' && o.createdAt instanceof Date), 'ids and createdAt set');
    assert.equal(new Set(objs.map((o) => o.id)).size, N, 'ids are unique');
    const count = await q().count();
    assert.equal(count, N);
    return count;
  });

  result.updated = await step('saveAll updates', async () => {
    for (const obj of objs) {
      obj.set('score', obj.get('batchNo') * 3);
      obj.increment('plays');
    }
    await Parse.Object.saveAll(objs);
    assert.ok(objs.every((o) => o.get('plays') === 1));
    const found = await q().ascending('batchNo').limit(1000).find();
    assert.equal(found.length, N);
    assert.deepEqual(found.map((o) => o.get('score')), objs.map((_, i) => i * 3));
    assert.ok(found.every((o) => o.get('plays') === 1), 'increments stored');
    return found.map((o) => o.get('score')).slice(0, 5);
  });

  result.fetchAll = await step('fetchAll', async () => {
    const stale = objs.slice(0, 25).map((o) => GameScore.createWithoutData(o.id));
    await Parse.Object.fetchAll(stale);
    assert.deepEqual(stale.map((o) => o.get('batchNo')), objs.slice(0, 25).map((o) => o.get('batchNo')));
    return stale.length;
  });

  result.partialFailure = await step('saveAll with one invalid object', async () => {
    const good = new GameScore({ run: runId, batchNo: 100, score: 1 });
    const bad = new GameScore({ run: runId, batchNo: 101, score: 'not a number' });
    const err = await rejectsWithCode(Parse.Object.saveAll([good, bad]), Parse.Error.INCORRECT_TYPE,
      'saveAll with a String score');
    // Batch items are independent (no transaction): the valid one is stored.
    const stored = await q().equalTo('batchNo', 100).count();
    assert.equal(stored, 1);
    const rejected = await q().equalTo('batchNo', 101).count();
    assert.equal(rejected, 0);
    objs.push(await q().equalTo('batchNo', 100).first());
    return { code: err.code, storedGood: stored };
  });

  result.destroyed = await step('destroyAll', async () => {
    await Parse.Object.destroyAll(objs);
    const count = await q().count();
    assert.equal(count, 0);
    return count;
  });

  result.destroyMissing = await step('destroyAll of deleted objects reports per-object 101', async () => {
    const err = await rejectsWithCode(Parse.Object.destroyAll(objs.slice(0, 3)), Parse.Error.AGGREGATE_ERROR,
      'destroyAll on deleted objects');
    assert.equal(err.errors.length, 3);
    assert.ok(err.errors.every((e) => e.code === Parse.Error.OBJECT_NOT_FOUND), 'each item is 101');
    return err.errors.map((e) => e.code);
  });

  return result;
});
