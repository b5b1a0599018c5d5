'use strict';
// The app `parse-compat import` loaded, through the official JS SDK: users log in with the
// passwords they had on the old server (bcrypt $2a$ and $2y$ hashes), a member of the imported
// `radiology` role reads a chart whose ACL names only that role, with its pointer and its relation,
// and downloads a visit's x-ray fetched from the old server and the clinic's logo read from the
// dump's GridFS; a user outside the role sees nothing.
const crypto = require('node:crypto');
const { runScenario } = require('../../e2e_js/lib/harness');

runScenario(__filename, async ({ Parse, assert, step, rejectsWithCode }) => {
  Parse.User.enableUnsafeCurrentUser();
  const passwords = JSON.parse(process.env.IMPORT_PASSWORDS);
  const chartId = process.env.IMPORT_CHART_ID;
  const result = {};

  await step('ann logs in with her old password', async () => {
    const ann = await Parse.User.logIn('ann', passwords.ann);
    assert.ok(ann.getSessionToken());
    result.ann = { id: ann.id, email: ann.get('email'), createdAt: ann.createdAt.toISOString() };
  });

  await step('a wrong password is refused', async () => {
    await rejectsWithCode(Parse.User.logIn('ann', 'not-her-password'), 101, 'wrong password');
    await Parse.User.logIn('ann', passwords.ann);
  });

  await step('ann (radiology) reads the private chart, its clinic and its visits', async () => {
    const chart = await new Parse.Query('Chart').include('clinic').get(chartId);
    result.chart = {
      note: chart.get('note'),
      clinic: chart.get('clinic').get('name'),
      lastVisit: chart.get('lastVisit').toISOString(),
      acl: chart.getACL().toJSON(),
    };
    const logo = chart.get('clinic').get('logo');
    const logoResponse = await fetch(logo.url());
    const logoBytes = Buffer.from(await logoResponse.arrayBuffer());
    result.logo = {
      name: logo.name(),
      status: logoResponse.status,
      sha256: crypto.createHash('sha256').update(logoBytes).digest('hex'),
    };
    const visits = await chart.relation('visits').query().ascending('objectId').find();
    result.visits = visits.map((visit) => visit.id);
    result.visitChart = visits.map((visit) => visit.get('chart').id);
    result.when = visits[0].get('when').toISOString();
  });

  await step('the x-ray came from the old server', async () => {
    const visit = await new Parse.Query('Visit').get(result.visits[0]);
    const xray = visit.get('xray');
    const response = await fetch(xray.url());
    const bytes = Buffer.from(await response.arrayBuffer());
    result.file = {
      name: xray.name(),
      status: response.status,
      sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    };
  });

  await step('the radiology role holds ann', async () => {
    const role = await new Parse.Query(Parse.Role).equalTo('name', 'radiology').first();
    const users = await role.getUsers().query().find();
    result.roleUsers = users.map((user) => user.get('username'));
    await Parse.User.logOut();
  });

  await step('ben ($2y$ hash) logs in and cannot read the chart or its visits', async () => {
    await Parse.User.logIn('ben', passwords.ben);
    result.benCharts = (await new Parse.Query('Chart').find()).map((chart) => chart.id);
    await rejectsWithCode(new Parse.Query('Chart').get(chartId), 101, 'ben gets the chart');
    result.benVisits = await new Parse.Query('Visit').count();
    await Parse.User.logOut();
  });

  return result;
});
