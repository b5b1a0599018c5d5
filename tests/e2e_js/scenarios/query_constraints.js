'use strict';
// Parse.Query: comparison constraints, ascending/descending/multi-key order, limit, skip, count,
// withCount, first().
const { runScenario } = require('../lib/harness');

const ROWS = [
  { playerName: 'alice', score: 10, cheatMode: false, level: 1 },
  { playerName: 'bob', score: 50, cheatMode: true, level: 2 },
  { playerName: 'carol', score: 30, cheatMode: false, level: 2 },
  { playerName: 'dave', score: 20, cheatMode: true, level: 1 },
  { playerName: 'erin', score: 60, cheatMode: false, level: 3 },
  { playerName: 'frank', score: 40, cheatMode: true, level: 3 },
];

runScenario(__filename, async ({ Parse, assert, step, runId }) => {
  const GameScore = Parse.Object.extend('GameScore');
  const base = () => new Parse.Query(GameScore).equalTo('run', runId);
  const names = (objs) => objs.map((o) => o.get('playerName'));
  const scores = (objs) => objs.map((o) => o.get('score'));
  const result = {};

  await step('seed', async () => {
    const objs = ROWS.map((row) => new GameScore({ ...row, run: runId }));
    await Parse.Object.saveAll(objs);
    assert.ok(objs.every((o) => o.id), 'every object got an id');
  });

  result.ascending = await step('greaterThan + ascending', async () => {
    const found = await base().greaterThan('score', 25).ascending('score').find();
    assert.deepEqual(scores(found), [30, 40, 50, 60]);
    return scores(found);
  });

  result.descending = await step('lessThanOrEqualTo + descending', async () => {
    const found = await base().lessThanOrEqualTo('score', 30).descending('score').find();
    assert.deepEqual(scores(found), [30, 20, 10]);
    return scores(found);
  });

  result.range = await step('greaterThanOrEqualTo + lessThan', async () => {
    const found = await base().greaterThanOrEqualTo('score', 20).lessThan('score', 50).ascending('score').find();
    assert.deepEqual(scores(found), [20, 30, 40]);
    return scores(found);
  });

  result.equalTo = await step('equalTo / notEqualTo', async () => {
    const cheaters = await base().equalTo('cheatMode', true).ascending('playerName').find();
    assert.deepEqual(names(cheaters), ['bob', 'dave', 'frank']);
    const notBob = await base().notEqualTo('playerName', 'bob').ascending('playerName').find();
    assert.deepEqual(names(notBob), ['alice', 'carol', 'dave', 'erin', 'frank']);
    return names(cheaters);
  });

  result.multiOrder = await step('multi-key order', async () => {
    const found = await base().ascending('level').addDescending('score').find();
    assert.deepEqual(names(found), ['dave', 'alice', 'bob', 'carol', 'erin', 'frank']);
    return names(found);
  });

  result.limit = await step('descending + limit', async () => {
    const found = await base().descending('score').limit(2).find();
    assert.deepEqual(scores(found), [60, 50]);
    return scores(found);
  });

  result.skip = await step('ascending + skip + limit', async () => {
    const found = await base().ascending('score').skip(2).limit(2).find();
    assert.deepEqual(scores(found), [30, 40]);
    const tail = await base().ascending('score').skip(5).find();
    assert.deepEqual(scores(tail), [60]);
    const past = await base().ascending('score').skip(10).find();
    assert.deepEqual(past, []);
    return scores(found);
  });

  result.count = await step('count', async () => {
    const all = await base().count();
    assert.equal(all, 6);
    const high = await base().greaterThan('score', 25).count();
    assert.equal(high, 4);
    const none = await base().greaterThan('score', 1000).count();
    assert.equal(none, 0);
    return { all, high, none };
  });

  result.withCount = await step('withCount ignores limit for the count', async () => {
    const page = await base().ascending('score').limit(2).withCount().find();
    assert.equal(page.count, 6);
    assert.deepEqual(scores(page.results), [10, 20]);
    return page.count;
  });

  result.first = await step('first', async () => {
    const top = await base().descending('score').first();
    assert.ok(top, 'first() found an object');
    assert.equal(top.get('playerName'), 'erin');
    const nobody = await base().equalTo('playerName', 'nobody').first();
    assert.equal(nobody, undefined);
    return top.get('playerName');
  });

  result.createdAtOrder = await step('order by createdAt', async () => {
    const found = await base().descending('createdAt').find();
    const times = found.map((o) => o.createdAt.getTime());
    const sorted = [...times].sort((a, b) => b - a);
    assert.deepEqual(times, sorted, 'createdAt descending');
    assert.equal(found.length, 6);
    return found.length;
  });

  return result;
});
