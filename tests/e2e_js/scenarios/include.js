'use strict';
// Pointers: equalTo(pointer), include (one level, nested, arrays of pointers) combined with
// constraints/order/limit, matchesQuery / doesNotMatchQuery, containedIn with pointers.
const { runScenario } = require('../lib/harness');

runScenario(__filename, async ({ Parse, assert, step, runId }) => {
  const Author = Parse.Object.extend('Author');
  const Post = Parse.Object.extend('Post');
  const Comment = Parse.Object.extend('Comment');
  const comments = () => new Parse.Query(Comment).equalTo('run', runId);
  const texts = (objs) => objs.map((o) => o.get('text'));
  const result = {};
  let ann;
  let ben;
  let first;
  let second;

  await step('seed', async () => {
    ann = new Author({ run: runId, name: 'Ann' });
    ben = new Author({ run: runId, name: 'Ben' });
    await Parse.Object.saveAll([ann, ben]);
    first = new Post({ run: runId, title: 'First', author: ann });
    second = new Post({ run: runId, title: 'Second', author: ben });
    await Parse.Object.saveAll([first, second]);
    await Parse.Object.saveAll([
      new Comment({ run: runId, text: 'c1', likes: 3, post: first, mentions: [ben] }),
      new Comment({ run: runId, text: 'c2', likes: 7, post: first, mentions: [] }),
      new Comment({ run: runId, text: 'c3', likes: 5, post: second, mentions: [ann, ben] }),
      new Comment({ run: runId, text: 'c4', likes: 1, post: second }),
    ]);
  });

  result.byPointer = await step('equalTo pointer, no include', async () => {
    const found = await comments().equalTo('post', first).ascending('text').find();
    assert.deepEqual(texts(found), ['c1', 'c2']);
    const ptr = found[0].get('post');
    assert.ok(ptr instanceof Parse.Object, 'pointer decodes to a Parse.Object');
    assert.equal(ptr.className, 'Post');
    assert.equal(ptr.id, first.id);
    assert.equal(ptr.has('title'), false, 'a pointer that was not included carries no data');
    return texts(found);
  });

  result.include = await step('include with constraints/order/limit', async () => {
    const found = await comments().greaterThan('likes', 2).descending('likes').limit(2).include('post').find();
    assert.deepEqual(texts(found), ['c2', 'c3']);
    assert.equal(found[0].get('post').get('title'), 'First');
    assert.equal(found[1].get('post').get('title'), 'Second');
    assert.equal(found[1].get('post').id, second.id);
    return found.map((c) => `${c.get('text')}:${c.get('post').get('title')}`);
  });

  result.nested = await step('nested include post.author', async () => {
    const found = await comments().include('post.author').ascending('text').find();
    assert.deepEqual(found.map((c) => c.get('post').get('author').get('name')), ['Ann', 'Ann', 'Ben', 'Ben']);
    return found.map((c) => c.get('post').get('author').get('name'));
  });

  result.arrayInclude = await step('include on an array of pointers', async () => {
    const c3 = await comments().equalTo('text', 'c3').include('mentions').first();
    assert.ok(c3, 'c3 found');
    const names = c3.get('mentions').map((a) => a.get('name'));
    assert.deepEqual(names, ['Ann', 'Ben']);
    return names;
  });

  result.getInclude = await step('query.get with include', async () => {
    const one = await comments().equalTo('text', 'c4').first();
    const got = await new Parse.Query(Comment).include('post').get(one.id);
    assert.equal(got.get('post').get('title'), 'Second');
    return got.get('post').get('title');
  });

  result.matchesQuery = await step('matchesQuery / doesNotMatchQuery', async () => {
    const secondPosts = new Parse.Query(Post).equalTo('title', 'Second');
    const inSecond = await comments().matchesQuery('post', secondPosts).ascending('text').find();
    assert.deepEqual(texts(inSecond), ['c3', 'c4']);
    const notSecond = await comments().doesNotMatchQuery('post', new Parse.Query(Post).equalTo('title', 'Second'))
      .ascending('text').find();
    assert.deepEqual(texts(notSecond), ['c1', 'c2']);
    return { inSecond: texts(inSecond), notSecond: texts(notSecond) };
  });

  result.pointerIn = await step('containedIn with pointers', async () => {
    const found = await comments().containedIn('post', [first, second]).ascending('text').find();
    assert.deepEqual(texts(found), ['c1', 'c2', 'c3', 'c4']);
    const mentionsBen = await comments().equalTo('mentions', ben).ascending('text').find();
    assert.deepEqual(texts(mentionsBen), ['c1', 'c3']);
    return texts(mentionsBen);
  });

  result.count = await step('count by pointer', async () => {
    const n = await comments().equalTo('post', second).count();
    assert.equal(n, 2);
    return n;
  });

  return result;
});
