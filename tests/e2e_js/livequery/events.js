'use strict';
// query.subscribe() with the SDK's default Live Query client (ws:// derived from the server URL):
// create / update / leave / enter / delete payloads, keys (select), watch, unsubscribe.
const { runLiveScenario } = require('./lq');

runLiveScenario(__filename, async ({ Parse, assert, step, runId, record, until }) => {
  const className = process.env.PARSE_LQ_CLASS;
  const Item = Parse.Object.extend(className);
  const result = {};

  const base = () => new Parse.Query(Item).equalTo('run', runId);
  const scored = await base().greaterThan('score', 10).subscribe();
  const all = record(scored);
  const selected = record(await base().select('score').subscribe());
  const watched = record(await base().watch('name').subscribe());
  const item = new Item({ run: runId, score: 20, name: 'first', tags: ['a'] });

  result.create = await step('create', async () => {
    await item.save();
    const [event] = await until('create', () => all.length === 1 && all);
    assert.equal(event.op, 'create');
    assert.equal(event.id, item.id);
    assert.equal(event.className, className);
    assert.equal(event.object.score, 20);
    assert.deepEqual(event.object.tags, ['a']);
    assert.equal(event.original, undefined);
    assert.equal(event.object.createdAt, item.createdAt.toISOString());
    return { className: event.className, ...event.object };
  });

  result.update = await step('update (object and original)', async () => {
    item.increment('score', 10);
    await item.save();
    const event = await until('update', () => all[1]);
    assert.equal(event.op, 'update');
    assert.equal(event.object.score, 30);
    assert.equal(event.original.score, 20);
    return { object: event.object.score, original: event.original.score };
  });

  result.leave = await step('leave', async () => {
    item.set('score', 5);
    await item.save();
    const event = await until('leave', () => all[2]);
    assert.equal(event.op, 'leave');
    assert.equal(event.object.score, 5);
    assert.equal(event.original.score, 30);
    return event.op;
  });

  result.enter = await step('enter', async () => {
    item.set('score', 50);
    await item.save();
    const event = await until('enter', () => all[3]);
    assert.equal(event.op, 'enter');
    assert.equal(event.object.score, 50);
    assert.equal(event.original.score, 5);
    return event.op;
  });

  result.keys = await step('keys: only the selected field besides the defaults', async () => {
    const events = await until('selected events', () => selected.length === 4 && selected);
    assert.deepEqual(events.map((e) => e.op), ['create', 'update', 'update', 'update']);
    for (const event of events) {
      assert.equal(typeof event.object.score, 'number');
      assert.equal(event.object.name, undefined, 'name is not selected');
      assert.equal(event.object.tags, undefined, 'tags are not selected');
    }
    return Object.keys(events[0].object).sort();
  });

  result.watch = await step('watch: updates only when a watched field changes', async () => {
    // only the create so far: the three updates changed score, not name
    assert.deepEqual(watched.map((e) => e.op), ['create']);
    item.set('name', 'renamed');
    await item.save();
    const event = await until('watched update', () => watched[1]);
    assert.equal(event.op, 'update');
    assert.equal(event.object.name, 'renamed');
    assert.equal(event.original.name, 'first');
    return watched.map((e) => e.op);
  });

  result.delete = await step('delete', async () => {
    await until('update on the scored subscription', () => all[4]);
    await item.destroy();
    const event = await until('delete', () => all[5]);
    assert.equal(event.op, 'delete');
    assert.equal(event.id, item.id);
    assert.equal(event.object.name, 'renamed');
    return event.op;
  });

  result.unsubscribe = await step('unsubscribe stops the events', async () => {
    await scored.unsubscribe();
    const other = new Item({ run: runId, score: 99 });
    await other.save();
    await until('the selected subscription sees it', () => selected.find((e) => e.id === other.id));
    assert.equal(all.length, 6, 'no event after unsubscribe');
    return all.map((e) => e.op);
  });
  return result;
});
