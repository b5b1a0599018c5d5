'use strict';
// Parse.Relation: relation.add / remove, relation.query() (redirectClassNameForKey + $relatedTo)
// with constraints, order and count, and queries on the owning class by relation membership.
const { runScenario } = require('../lib/harness');

runScenario(__filename, async ({ Parse, assert, step, runId }) => {
  const Band = Parse.Object.extend('Band');
  const Fan = Parse.Object.extend('Fan');
  const names = (objs) => objs.map((o) => o.get('name'));
  const result = {};
  let fans;
  let band;
  let other;

  await step('seed', async () => {
    fans = ['fan1', 'fan2', 'fan3', 'fan4'].map((name, i) => new Fan({ run: runId, name, age: 20 + i }));
    await Parse.Object.saveAll(fans);
    band = new Band({ run: runId, name: 'The Parsers' });
    other = new Band({ run: runId, name: 'Mongo Men' });
    await Parse.Object.saveAll([band, other]);
  });

  await step('relation.add', async () => {
    const rel = band.relation('fans');
    rel.add([fans[0], fans[1], fans[2]]);
    await band.save();
    other.relation('fans').add(fans[0]);
    await other.save();
  });

  result.relationField = await step('relation field on fetch', async () => {
    const fetched = await new Parse.Query(Band).get(band.id);
    const rel = fetched.get('fans');
    assert.ok(rel instanceof Parse.Relation, 'fans decodes to a Parse.Relation');
    assert.equal(rel.targetClassName, 'Fan');
    return rel.targetClassName;
  });

  result.query = await step('relation.query()', async () => {
    const fresh = await new Parse.Query(Band).get(band.id);
    const found = await fresh.relation('fans').query().ascending('name').find();
    assert.deepEqual(names(found), ['fan1', 'fan2', 'fan3']);
    assert.ok(found.every((f) => f.className === 'Fan'), 'results are Fan objects');
    assert.equal(found[0].get('age'), 20, 'full objects are returned');
    return names(found);
  });

  result.constrained = await step('relation.query() with constraints and count', async () => {
    const rel = band.relation('fans');
    const older = await rel.query().greaterThan('age', 20).descending('age').find();
    assert.deepEqual(names(older), ['fan3', 'fan2']);
    const count = await rel.query().count();
    assert.equal(count, 3);
    const limited = await rel.query().ascending('name').skip(1).limit(1).find();
    assert.deepEqual(names(limited), ['fan2']);
    return { older: names(older), count };
  });

  result.remove = await step('relation.remove', async () => {
    band.relation('fans').remove(fans[1]);
    await band.save();
    const found = await band.relation('fans').query().ascending('name').find();
    assert.deepEqual(names(found), ['fan1', 'fan3']);
    return names(found);
  });

  result.addAndRemove = await step('add and remove in one save (Batch op)', async () => {
    const rel = band.relation('fans');
    rel.add(fans[3]);
    rel.remove(fans[0]);
    await band.save();
    const found = await rel.query().ascending('name').find();
    assert.deepEqual(names(found), ['fan3', 'fan4']);
    return names(found);
  });

  result.membership = await step('owning-class query by relation membership', async () => {
    const bands = (fan) => new Parse.Query(Band).equalTo('run', runId).equalTo('fans', fan).ascending('name').find();
    const ofFan1 = names(await bands(fans[0]));
    assert.deepEqual(ofFan1, ['Mongo Men']);
    const ofFan3 = names(await bands(fans[2]));
    assert.deepEqual(ofFan3, ['The Parsers']);
    const ofFan2 = names(await bands(fans[1]));
    assert.deepEqual(ofFan2, []);
    return { fan1: ofFan1, fan3: ofFan3, fan2: ofFan2 };
  });

  result.otherBand = await step('relations are per owning object', async () => {
    const found = await other.relation('fans').query().find();
    assert.deepEqual(names(found), ['fan1']);
    return names(found);
  });

  return result;
});
