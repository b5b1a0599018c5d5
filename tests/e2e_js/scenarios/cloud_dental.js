'use strict';
// The dental practice's rules (cloud_code/) through the SDK, with two staff users and one
// administrator: each rule allowed and refused. The master key only promotes the first administrator.
const { runScenario } = require('../lib/harness');

runScenario(__filename, async ({ Parse, assert, step, runId, rejectsWithCode }) => {
  if (!process.env.PARSE_MASTER_KEY) {
    throw new Error('PARSE_MASTER_KEY is required for this scenario');
  }
  const Patient = Parse.Object.extend('Patient');
  const Plan = Parse.Object.extend('TreatmentPlan');
  const XRay = Parse.Object.extend('XRayLog');
  const Reminder = Parse.Object.extend('AppointmentReminder');
  const users = {};
  const as = (name) => ({ sessionToken: users[name].getSessionToken() });
  const result = {};
  let patient;
  let plan;

  await step('two staff users and an administrator', async () => {
    // The template lets nobody sign up: accounts are made with the master key (as
    // `parse-compat admin create` and the createStaff function do), then log in.
    const password = `Lantern-${runId}-orchard`; // the template's policy: 12+ characters, not common
    for (const name of ['staff1', 'staff2', 'admin']) {
      const user = new Parse.User({ username: `${name}-${runId}`, password,
        email: `${name}-${runId}@clinic.example`, role: name === 'admin' ? 'administrator' : 'staff' });
      await user.save(null, { useMasterKey: true });
      users[name] = await Parse.User.logIn(`${name}-${runId}`, password);
    }
  });

  result.roles = await step('only an administrator sets roles', async () => {
    const climber = new Parse.User({ username: `climber-${runId}`, password: 'pw', email: `c-${runId}@x.example`,
      role: 'administrator' });
    const signup = await rejectsWithCode(climber.signUp(), Parse.Error.OPERATION_FORBIDDEN, 'signUp as admin');
    users.staff1.set('role', 'administrator');
    const self = await rejectsWithCode(users.staff1.save(null, as('staff1')), Parse.Error.OPERATION_FORBIDDEN,
      'self promotion');
    users.staff1.revert();
    const byStaff = await rejectsWithCode(Parse.Cloud.run('setUserRole', { userId: users.staff2.id,
      role: 'administrator' }, as('staff1')), Parse.Error.VALIDATION_ERROR, 'setUserRole by staff');
    return { signup: signup.code, self: self.code, byStaff: byStaff.code };
  });

  result.patient = await step('a new patient is private to its creator and the administrators', async () => {
    patient = new Patient({ name: 'Ann Lee', email: `ann-${runId}@patients.example`, phone: '555' });
    patient.setACL(new Parse.ACL()); // whatever the client sends, the rule decides
    await patient.save(null, as('staff1'));
    await patient.fetch(as('staff1'));
    const acl = patient.getACL();
    assert.equal(acl.getReadAccess(users.staff1), true);
    assert.equal(acl.getRoleWriteAccess('administrator'), true);
    assert.equal(acl.getPublicReadAccess(), false);
    const hidden = await rejectsWithCode(new Parse.Query(Patient).get(patient.id, as('staff2')),
      Parse.Error.OBJECT_NOT_FOUND, 'staff2 reads it');
    const byAdmin = await new Parse.Query(Patient).get(patient.id, as('admin'));
    return { hidden: hidden.code, admin: byAdmin.get('name') === 'Ann Lee' };
  });

  result.records = await step('records take the patient ACL; an unreadable patient is 101', async () => {
    plan = new Plan({ patient, treatmentDetails: 'Filling', status: 'planned' });
    await plan.save(null, as('staff1'));
    const fetched = await new Parse.Query(Plan).get(plan.id, { useMasterKey: true });
    assert.deepEqual(fetched.getACL().toJSON(), patient.getACL().toJSON());
    const xray = new XRay({ patient, xrayDate: new Date(), fileUrl: 'https://files.example/x.png' });
    const refused = await rejectsWithCode(xray.save(null, as('staff2')), Parse.Error.OBJECT_NOT_FOUND,
      'staff2 adds an x-ray to a patient she cannot read');
    await xray.save(null, as('admin'));
    return { refused: refused.code, message: refused.message };
  });

  result.status = await step('treatment plan statuses only move forward', async () => {
    const bad = await rejectsWithCode(new Plan({ patient, treatmentDetails: 'X', status: 'done' })
      .save(null, as('staff1')), Parse.Error.VALIDATION_ERROR, 'unknown status');
    plan.set('status', 'in_progress');
    await plan.save(null, as('staff1'));
    plan.set('status', 'planned');
    const back = await rejectsWithCode(plan.save(null, as('staff1')), Parse.Error.VALIDATION_ERROR, 'backwards');
    plan.set('status', 'cancelled');
    await plan.save(null, as('staff1'));
    return { bad: bad.code, back: back.code, final: plan.get('status') };
  });

  result.reminder = await step('appointments must be in the future', async () => {
    const past = await rejectsWithCode(new Reminder({ patient, appointmentDate: new Date(Date.now() - 3600e3) })
      .save(null, as('staff1')), Parse.Error.VALIDATION_ERROR, 'past appointment');
    const future = new Reminder({ patient, appointmentDate: new Date(Date.now() + 86400e3) });
    await future.save(null, as('staff1'));
    return { past: past.code, future: Boolean(future.id) };
  });

  result.promotion = await step('an administrator promotes staff2, who then sees the patient', async () => {
    const done = await Parse.Cloud.run('setUserRole', { userId: users.staff2.id, role: 'administrator' }, as('admin'));
    const seen = await new Parse.Query(Patient).get(patient.id, as('staff2'));
    return { role: done.role, seen: seen.id === patient.id };
  });

  result.deletion = await step('only administrators delete patients, never with records', async () => {
    const byStaff = await rejectsWithCode(patient.destroy(as('staff1')), Parse.Error.OPERATION_FORBIDDEN,
      'staff deletes');
    const withRecords = await rejectsWithCode(patient.destroy(as('admin')), Parse.Error.VALIDATION_ERROR,
      'patient with records');
    for (const Cls of [Plan, XRay]) {
      const records = await new Parse.Query(Cls).equalTo('patient', patient).find(as('admin'));
      await Parse.Object.destroyAll(records, as('admin'));
    }
    await patient.destroy(as('admin'));
    const reminders = await new Parse.Query(Reminder).equalTo('patient', patient).count({ useMasterKey: true });
    return { byStaff: byStaff.code, withRecords: withRecords.message, reminders };
  });

  return result;
});
