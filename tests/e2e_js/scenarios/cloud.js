'use strict';
// Cloud code through the SDK (server started with --cloud tests.cloud.fixtures_module):
// Parse.Cloud.run results and errors, a beforeSave that changes or rejects a save, and
// Parse.Cloud.startJob + getJobStatus (_JobStatus) for a succeeding and a failing job.
const { runScenario } = require('../lib/harness');

runScenario(__filename, async ({ Parse, assert, step, runId, rejectsWithCode }) => {
  if (!process.env.PARSE_MASTER_KEY) {
    throw new Error('PARSE_MASTER_KEY is required for this scenario');
  }
  const Thing = Parse.Object.extend('Thing');
  const result = {};

  const finished = async (jobStatusId) => {
    for (let i = 0; i < 100; i += 1) {
      const status = await Parse.Cloud.getJobStatus(jobStatusId);
      if (status.get('status') !== 'running') return status;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`job ${jobStatusId} still running`);
  };

  result.run = await step('Parse.Cloud.run returns the result', async () => {
    const hello = await Parse.Cloud.run('hello', { name: `JS ${runId}` });
    assert.equal(hello, `Hello JS ${runId}`);
    const made = await Parse.Cloud.run('makeThing', { name: 'made' });
    assert.ok(made instanceof Parse.Object, 'an object result is decoded into a Parse.Object');
    assert.equal(made.className, 'Thing');
    assert.equal(made.get('upper'), 'MADE', 'beforeSave ran on the SDK save made inside the function');
    const nothing = await Parse.Cloud.run('nothing');
    return { hello: hello === `Hello JS ${runId}`, made: made.get('name'), nothing };
  });

  result.runErrors = await step('Parse.Cloud.run errors keep their codes', async () => {
    const missing = await rejectsWithCode(Parse.Cloud.run('missing'), Parse.Error.SCRIPT_FAILED, 'unknown');
    assert.equal(missing.message, 'Invalid function: "missing"');
    const custom = await rejectsWithCode(Parse.Cloud.run('customError'), 1234, 'ParseError(1234)');
    const crash = await rejectsWithCode(Parse.Cloud.run('crash'), Parse.Error.SCRIPT_FAILED, 'ValueError');
    const validation = await rejectsWithCode(Parse.Cloud.run('needsUser'), Parse.Error.VALIDATION_ERROR,
      'requireUser');
    return { missing: missing.code, custom: custom.code, crash: crash.message, validation: validation.message };
  });

  result.beforeSave = await step('beforeSave changes the object and rejects with its code', async () => {
    const thing = new Thing({ name: `abc${runId}` });
    await thing.save();
    assert.equal(thing.get('upper'), `ABC${runId}`.toUpperCase(), 'the change made by beforeSave is returned');
    const rejected = await rejectsWithCode(new Thing({ name: 'forbidden' }).save(), 9001, 'beforeSave rejection');
    assert.ok(rejected instanceof Parse.Error);
    const crashed = await rejectsWithCode(new Thing({ name: 'boom' }).save(), Parse.Error.VALIDATION_ERROR,
      'beforeSave exception');
    const stored = await new Parse.Query(Thing).equalTo('name', 'forbidden').count({ useMasterKey: true });
    assert.equal(stored, 0, 'nothing stored');
    return { rejected: rejected.code, message: rejected.message, crashed: crashed.code };
  });

  result.jobs = await step('Parse.Cloud.startJob and _JobStatus', async () => {
    const okId = await Parse.Cloud.startJob('okJob', { value: 5 });
    assert.equal(typeof okId, 'string', 'startJob resolves with the X-Parse-Job-Status-Id');
    const ok = await finished(okId);
    const failId = await Parse.Cloud.startJob('failJob', {});
    const failed = await finished(failId);
    const data = await Parse.Cloud.getJobsData();
    const unknown = await rejectsWithCode(Parse.Cloud.startJob('nope', {}), Parse.Error.SCRIPT_FAILED, 'unknown job');
    return {
      ok: { status: ok.get('status'), message: ok.get('message'), jobName: ok.get('jobName'),
        finished: ok.get('finishedAt') instanceof Date },
      failed: { status: failed.get('status'), message: failed.get('message') },
      jobs: data.jobs.includes('okJob') && data.jobs.includes('failJob'),
      unknown: unknown.message,
    };
  });

  return result;
});
