'use strict';
// Parse.Query: or/and/nor, containedIn/notContainedIn/containsAll, array equality, matches,
// startsWith/endsWith/contains (sent as \Q...\E regexes), exists/doesNotExist, select, exclude, each.
const { runScenario } = require('../lib/harness');

const ROWS = [
  { label: 'P1', title: 'a.b*c (draft)', tags: ['js', 'db'], views: 5, pinned: true },
  { label: 'P2', title: 'aXbbc (draft)', tags: ['js'], views: 15 },
  { label: 'P3', title: 'Hello World', tags: ['py', 'db'], views: 25, pinned: false },
  { label: 'P4', title: 'hello again?', tags: [], views: 35 },
  { label: 'P5', title: 'price $5 [sale]', tags: ['db'], views: 45, subtitle: 'cheap' },
  { label: 'P6', title: 'The end.', tags: ['js', 'py', 'db'], views: 55 },
];

runScenario(__filename, async ({ Parse, assert, step, runId }) => {
  const Post = Parse.Object.extend('Post');
  const q = () => new Parse.Query(Post).equalTo('run', runId);
  const labels = (objs) => objs.map((o) => o.get('label')).sort();
  const result = {};
  const check = async (name, query, expected) => {
    const got = labels(await query.find());
    assert.deepEqual(got, expected, name);
    result[name] = got;
  };

  await step('seed', async () => {
    await Parse.Object.saveAll(ROWS.map((row) => new Post({ ...row, run: runId })));
  });

  await step('startsWith escapes regex characters', async () => {
    await check('startsWith', q().startsWith('title', 'a.b*'), ['P1']);
    await check('startsWithDot', q().startsWith('title', 'The end.'), ['P6']);
  });

  await step('endsWith escapes regex characters', async () => {
    await check('endsWith', q().endsWith('title', '(draft)'), ['P1', 'P2']);
  });

  await step('contains escapes regex characters', async () => {
    await check('contains', q().contains('title', '$5 ['), ['P5']);
    await check('containsQuestionMark', q().contains('title', 'again?'), ['P4']);
  });

  await step('matches with and without the i modifier', async () => {
    await check('matchesI', q().matches('title', /^hello/i), ['P3', 'P4']);
    await check('matchesCase', q().matches('title', '^hello'), ['P4']);
    await check('matchesClass', q().matches('title', '\\$\\d'), ['P5']);
  });

  await step('containedIn / notContainedIn', async () => {
    await check('containedIn', q().containedIn('views', [5, 25, 45, 99]), ['P1', 'P3', 'P5']);
    await check('notContainedIn', q().notContainedIn('views', [5, 25]), ['P2', 'P4', 'P5', 'P6']);
  });

  await step('array field constraints', async () => {
    await check('arrayEqualTo', q().equalTo('tags', 'py'), ['P3', 'P6']);
    await check('arrayContainedIn', q().containedIn('tags', ['py']), ['P3', 'P6']);
    await check('containsAll', q().containsAll('tags', ['js', 'db']), ['P1', 'P6']);
  });

  await step('Parse.Query.or', async () => {
    const low = new Parse.Query(Post).lessThan('views', 10);
    const high = new Parse.Query(Post).greaterThan('views', 50);
    await check('or', Parse.Query.or(low, high).equalTo('run', runId), ['P1', 'P6']);
    const byTitle = new Parse.Query(Post).equalTo('title', 'Hello World');
    const byTag = new Parse.Query(Post).equalTo('tags', 'js');
    await check('orMixed', Parse.Query.or(byTitle, byTag).equalTo('run', runId), ['P1', 'P2', 'P3', 'P6']);
  });

  await step('Parse.Query.and / nor', async () => {
    const many = new Parse.Query(Post).greaterThan('views', 10);
    const db = new Parse.Query(Post).equalTo('tags', 'db');
    await check('and', Parse.Query.and(many, db).equalTo('run', runId), ['P3', 'P5', 'P6']);
    const few = new Parse.Query(Post).lessThan('views', 30);
    await check('nor', Parse.Query.nor(few).equalTo('run', runId), ['P4', 'P5', 'P6']);
  });

  await step('exists / doesNotExist', async () => {
    await check('exists', q().exists('pinned'), ['P1', 'P3']);
    await check('doesNotExist', q().doesNotExist('pinned'), ['P2', 'P4', 'P5', 'P6']);
    await check('existsSubtitle', q().exists('subtitle'), ['P5']);
  });

  await step('select (keys)', async () => {
    const found = await q().select('title', 'label').ascending('label').find();
    assert.equal(found.length, 6);
    for (const obj of found) {
      assert.equal(typeof obj.get('title'), 'string', 'selected key is present');
      assert.ok(obj.id && obj.createdAt instanceof Date && obj.updatedAt instanceof Date,
        'objectId/createdAt/updatedAt are always returned');
      assert.equal(obj.has('views'), false, 'unselected key views is absent');
      assert.equal(obj.has('tags'), false, 'unselected key tags is absent');
    }
    result.select = Object.keys(found[0].attributes).sort();
  });

  await step('exclude (excludeKeys)', async () => {
    const found = await q().exclude('tags', 'views').equalTo('label', 'P1').find();
    assert.equal(found.length, 1);
    assert.equal(found[0].has('tags'), false);
    assert.equal(found[0].has('views'), false);
    assert.equal(found[0].get('title'), 'a.b*c (draft)');
    result.exclude = Object.keys(found[0].attributes).sort();
  });

  await step('each', async () => {
    const seen = [];
    await q().each((obj) => {
      seen.push(obj.get('label'));
    }, { batchSize: 2 });
    assert.deepEqual(seen.sort(), ['P1', 'P2', 'P3', 'P4', 'P5', 'P6']);
    const busy = [];
    await q().greaterThan('views', 20).each((obj) => {
      busy.push(obj.get('label'));
    }, { batchSize: 3 });
    assert.deepEqual(busy.sort(), ['P3', 'P4', 'P5', 'P6']);
    result.each = seen;
    result.eachFiltered = busy;
  });

  return result;
});
