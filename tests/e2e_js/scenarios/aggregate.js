'use strict';
// query.distinct() and query.aggregate() (both call /aggregate with the master key).
const { runScenario } = require('../lib/harness');

runScenario(__filename, async ({ Parse, assert, step, runId }) => {
  const Visit = Parse.Object.extend('Visit');
  const M = { useMasterKey: true };
  await step('seed', async () => {
    const rows = [['Oslo', 10], ['Bergen', 20], ['Oslo', 30]].map(([city, cost]) => new Visit({ run: runId, city, cost }));
    await Parse.Object.saveAll(rows, M);
  });
  const distinct = await step('distinct', async () => {
    const cities = await new Parse.Query(Visit).equalTo('run', runId).distinct('city', M);
    assert.deepEqual([...cities].sort(), ['Bergen', 'Oslo']);
    return [...cities].sort();
  });
  const grouped = await step('aggregate', async () => {
    const pipeline = [{ $match: { run: runId } }, { $group: { _id: '$city', total: { $sum: '$cost' } } },
      { $sort: { total: -1 } }];
    const rows = await new Parse.Query(Visit).aggregate(pipeline, M);
    assert.deepEqual(rows, [{ objectId: 'Oslo', total: 40 }, { objectId: 'Bergen', total: 20 }]);
    return rows;
  });
  return { distinct, grouped };
});
