'use strict';
// Field operations: increment/decrement (also concurrent and on create), add/addAll, addUnique/
// addAllUnique, remove/removeAll, unset. Checks both the save response merge and the stored value.
const { runScenario } = require('../lib/harness');

runScenario(__filename, async ({ Parse, assert, step, runId }) => {
  const GameScore = Parse.Object.extend('GameScore');
  const reload = (obj) => new Parse.Query(GameScore).get(obj.id);
  const result = {};
  const score = new GameScore({ run: runId, score: 10, skills: ['flying'] });

  await step('seed', async () => {
    await score.save();
  });

  result.increment = await step('increment / decrement', async () => {
    score.increment('score');
    await score.save();
    assert.equal(score.get('score'), 11, 'increment by 1 (save response)');
    score.increment('score', 5);
    await score.save();
    assert.equal(score.get('score'), 16, 'increment by 5');
    score.decrement('score', 3);
    await score.save();
    assert.equal(score.get('score'), 13, 'decrement by 3');
    score.increment('score', 0.5);
    await score.save();
    assert.equal(score.get('score'), 13.5, 'increment by a fraction');
    assert.equal((await reload(score)).get('score'), 13.5, 'stored value');
    return score.get('score');
  });

  result.concurrent = await step('increments from two stale copies are atomic', async () => {
    const a = GameScore.createWithoutData(score.id);
    const b = GameScore.createWithoutData(score.id);
    a.increment('score', 100);
    b.increment('score', 1000);
    await Promise.all([a.save(), b.save()]);
    const stored = (await reload(score)).get('score');
    assert.equal(stored, 1113.5);
    await score.fetch();
    return stored;
  });

  result.incrementNew = await step('increment a missing field and on create', async () => {
    score.increment('lives', 3);
    await score.save();
    assert.equal(score.get('lives'), 3);
    const fresh = new GameScore({ run: runId });
    fresh.increment('score', 7);
    await fresh.save();
    assert.equal((await reload(fresh)).get('score'), 7);
    await fresh.destroy();
    return score.get('lives');
  });

  result.add = await step('add / addAll', async () => {
    score.add('skills', 'kungfu');
    await score.save();
    score.addAll('skills', ['flying', 'swimming']);
    await score.save();
    assert.deepEqual(score.get('skills'), ['flying', 'kungfu', 'flying', 'swimming']);
    assert.deepEqual((await reload(score)).get('skills'), ['flying', 'kungfu', 'flying', 'swimming']);
    return score.get('skills');
  });

  result.addUnique = await step('addUnique / addAllUnique', async () => {
    score.addUnique('skills', 'kungfu');
    await score.save();
    score.addAllUnique('skills', ['running', 'swimming', 'jumping']);
    await score.save();
    const expected = ['flying', 'kungfu', 'flying', 'swimming', 'running', 'jumping'];
    assert.deepEqual(score.get('skills'), expected);
    assert.deepEqual((await reload(score)).get('skills'), expected);
    score.addUnique('badges', 'gold');
    await score.save();
    assert.deepEqual((await reload(score)).get('badges'), ['gold'], 'addUnique creates a missing array');
    return expected;
  });

  result.remove = await step('remove / removeAll', async () => {
    score.remove('skills', 'flying');
    await score.save();
    assert.deepEqual(score.get('skills'), ['kungfu', 'swimming', 'running', 'jumping'],
      'remove drops every occurrence');
    score.removeAll('skills', ['running', 'nothere']);
    await score.save();
    const expected = ['kungfu', 'swimming', 'jumping'];
    assert.deepEqual(score.get('skills'), expected);
    assert.deepEqual((await reload(score)).get('skills'), expected);
    return expected;
  });

  result.objectArrays = await step('addUnique / remove with objects in the array', async () => {
    score.set('history', [{ level: 1 }, { level: 2 }]);
    await score.save();
    score.addUnique('history', { level: 2 });
    await score.save();
    score.remove('history', { level: 1 });
    await score.save();
    const stored = (await reload(score)).get('history');
    assert.deepEqual(stored, [{ level: 2 }]);
    return stored;
  });

  result.unset = await step('unset', async () => {
    score.unset('lives');
    await score.save();
    const stored = await reload(score);
    assert.equal(stored.has('lives'), false);
    return stored.has('lives');
  });

  result.final = await step('final state', async () => {
    const stored = await reload(score);
    assert.equal(stored.get('score'), 1113.5);
    assert.deepEqual(stored.get('skills'), ['kungfu', 'swimming', 'jumping']);
    assert.deepEqual(stored.get('badges'), ['gold']);
    return { score: stored.get('score'), skills: stored.get('skills'), badges: stored.get('badges') };
  });

  return result;
});
