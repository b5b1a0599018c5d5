// Drives parse-compat's GraphQL API with real clients from npm: urql (queries, mutations over
// HTTP) and graphql-ws (a subscription over websockets). Prints one JSON line of what it saw.
import { Client, fetchExchange } from '@urql/core';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [, , httpUrl, wsUrl, appId] = process.argv;

function http(headers) {
  return new Client({
    url: httpUrl,
    exchanges: [fetchExchange],
    requestPolicy: 'network-only',
    fetchOptions: () => ({ headers: { 'X-Parse-Application-Id': appId, ...headers } }),
  });
}

function data(result) {
  if (result.error) throw new Error(JSON.stringify(result.error));
  return result.data;
}

const out = {};
const anonymous = http({});
const signedUp = data(await anonymous.mutation(
  `mutation($f: CreateUserFieldsInput) { signUp(input: {fields: $f}) { viewer { sessionToken user { username } } } }`,
  { f: { username: 'nina', password: 'pw-nina-123', email: 'nina@example.org' } }).toPromise());
const token = signedUp.signUp.viewer.sessionToken;
out.user = signedUp.signUp.viewer.user;
const staff = http({ 'X-Parse-Session-Token': token });
const patient = data(await staff.mutation(
  `mutation($f: CreatePatientFieldsInput) { createPatient(input: {fields: $f}) { patient { id objectId name } } }`,
  { f: { name: 'Ann', email: 'ann@example.org', phone: '555' } }).toPromise()).createPatient.patient;
out.patient = patient;
out.found = data(await staff.query(
  `query { patients(where: {name: {equalTo: "Ann"}}, order: [createdAt_DESC]) { count edges { node { objectId } } } }`,
  {}).toPromise()).patients;
out.anonymous = (await anonymous.query(`query { patients { count } }`, {}).toPromise()).error?.graphQLErrors
  ?.map((e) => e.extensions?.code);

const socket = createClient({
  url: wsUrl,
  webSocketImpl: WebSocket,
  connectionParams: { 'X-Parse-Application-Id': appId, 'X-Parse-Session-Token': token },
});
let connected;
const ready = new Promise((resolve) => { connected = resolve; });
socket.on('connected', () => connected());
const events = [];
let received;
const firstEvent = new Promise((resolve) => { received = resolve; });
const unsubscribe = socket.subscribe(
  { query: `subscription { treatmentPlans(where: {status: {equalTo: "open"}}) {
      event node { objectId status patient { name } } } }` },
  { next: (value) => { events.push(value); received(); }, error: (e) => { out.subscriptionError = String(e); received(); },
    complete: () => {} });
await ready;
out.created = [];
for (let attempt = 0; attempt < 10 && events.length === 0; attempt += 1) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  const plan = data(await staff.mutation(
    `mutation($p: ID) { createTreatmentPlan(input: {fields: {status: "open", treatmentDetails: "crown",
       patient: {link: $p}}}) { treatmentPlan { objectId } } }`, { p: patient.id }).toPromise());
  out.created.push(plan.createTreatmentPlan.treatmentPlan.objectId);
  await Promise.race([firstEvent, new Promise((resolve) => setTimeout(resolve, 1000))]);
}
out.events = events;
unsubscribe();
await socket.dispose();
console.log(JSON.stringify(out));
