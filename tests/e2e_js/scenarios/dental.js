'use strict';
// The dental template classes from schema.json (CLP requiresAuthentication, required fields) used
// with the master key: Patient + TreatmentPlan pointing to it, plans queried by patient with include.
const { runScenario } = require('../lib/harness');

runScenario(__filename, async ({ Parse, assert, step, runId, rejectsWithCode }) => {
  if (!process.env.PARSE_MASTER_KEY) {
    throw new Error('PARSE_MASTER_KEY is required for this scenario');
  }
  const Patient = Parse.Object.extend('Patient');
  const TreatmentPlan = Parse.Object.extend('TreatmentPlan');
  const M = { useMasterKey: true };
  // names hold letters only (the template refuses digits in a patient's name): the run id in letters
  const tag = runId.replace(/[0-9]/g, (digit) => 'ghijklmnop'[Number(digit)]);
  const details = (objs) => objs.map((o) => o.get('treatmentDetails'));
  const result = {};
  let alice;
  let bob;

  result.anonymous = await step('anonymous access is refused (requiresAuthentication)', async () => {
    const find = await rejectsWithCode(new Parse.Query(TreatmentPlan).find(), Parse.Error.OBJECT_NOT_FOUND,
      'anonymous find on TreatmentPlan');
    const create = await rejectsWithCode(
      new Patient({ name: 'Nobody', email: 'n@example.com', phone: '0' }).save(),
      Parse.Error.OBJECT_NOT_FOUND, 'anonymous create of a Patient');
    return { find: find.code, create: create.code };
  });

  await step('create patients with the master key', async () => {
    alice = new Patient({ name: `Alice ${tag}`, email: `alice-${runId}@example.com`, phone: '+1 555 0100' });
    bob = new Patient({ name: `Bob ${tag}`, email: `bob-${runId}@example.com`, phone: '+1 555 0101' });
    await Parse.Object.saveAll([alice, bob], M);
    assert.ok(alice.id && bob.id);
  });

  result.required = await step('required fields are enforced', async () => {
    const noPhone = await rejectsWithCode(new Patient({ name: 'X', email: 'x@example.com' }).save(null, M),
      Parse.Error.VALIDATION_ERROR, 'Patient without phone');
    const noStatus = await rejectsWithCode(
      new TreatmentPlan({ patient: alice, treatmentDetails: 'Checkup' }).save(null, M),
      Parse.Error.VALIDATION_ERROR, 'TreatmentPlan without status');
    return { patient: noPhone.code, plan: noStatus.code };
  });

  await step('create treatment plans', async () => {
    const plans = [
      new TreatmentPlan({ patient: alice, treatmentDetails: 'Cleaning', status: 'completed' }),
      new TreatmentPlan({ patient: alice, treatmentDetails: 'Filling 16', status: 'planned' }),
      new TreatmentPlan({ patient: alice, treatmentDetails: 'Crown 21', status: 'planned' }),
      new TreatmentPlan({ patient: bob, treatmentDetails: 'Extraction 38', status: 'planned' }),
    ];
    for (const plan of plans) {
      // One by one, a few ms apart: createdAt order is the insertion order.
      await plan.save(null, M);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    assert.ok(plans.every((p) => p.id));
  });

  result.byPatient = await step('query plans by patient with include', async () => {
    const plans = await new Parse.Query(TreatmentPlan).equalTo('patient', alice).include('patient')
      .ascending('createdAt').find(M);
    assert.deepEqual(details(plans), ['Cleaning', 'Filling 16', 'Crown 21']);
    for (const plan of plans) {
      const patient = plan.get('patient');
      assert.equal(patient.className, 'Patient');
      assert.equal(patient.id, alice.id);
      assert.equal(patient.get('name'), `Alice ${tag}`, 'patient is included');
      assert.equal(patient.get('phone'), '+1 555 0100');
    }
    return details(plans);
  });

  result.filtered = await step('by patient and status, newest first, count', async () => {
    const planned = await new Parse.Query(TreatmentPlan).equalTo('patient', alice).equalTo('status', 'planned')
      .descending('createdAt').include('patient').find(M);
    assert.deepEqual(details(planned), ['Crown 21', 'Filling 16']);
    const count = await new Parse.Query(TreatmentPlan).equalTo('patient', alice).count(M);
    assert.equal(count, 3);
    const bobs = await new Parse.Query(TreatmentPlan).equalTo('patient', bob).include('patient').find(M);
    assert.deepEqual(details(bobs), ['Extraction 38']);
    assert.equal(bobs[0].get('patient').get('email'), `bob-${runId}@example.com`);
    return { planned: details(planned), count };
  });

  result.matchesQuery = await step('plans of patients matched by name', async () => {
    const patients = new Parse.Query(Patient).equalTo('name', `Bob ${tag}`);
    const plans = await new Parse.Query(TreatmentPlan).matchesQuery('patient', patients).find(M);
    assert.deepEqual(details(plans), ['Extraction 38']);
    return details(plans);
  });

  result.useMasterKey = await step('Parse.Cloud.useMasterKey()', async () => {
    Parse.Cloud.useMasterKey();
    const plan = await new Parse.Query(TreatmentPlan).equalTo('patient', bob).include('patient').first();
    assert.ok(plan, 'found with the global master key');
    assert.equal(plan.get('patient').get('name'), `Bob ${tag}`);
    plan.set('status', 'completed');
    await plan.save();
    const again = await new Parse.Query(TreatmentPlan).get(plan.id);
    assert.equal(again.get('status'), 'completed');
    await Parse.Object.destroyAll(await new Parse.Query(TreatmentPlan).equalTo('patient', bob).find());
    assert.equal(await new Parse.Query(TreatmentPlan).equalTo('patient', bob).count(), 0);
    return again.get('status');
  });

  return result;
});
