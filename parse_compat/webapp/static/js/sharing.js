// Sharing a patient with colleagues (owner or administrator), and a patient's access log (administrators).
import { h, clear, alertBox, field, formatDateTime, announce } from './dom.js';
import { plainError } from './errors.js';
import { staffUsers } from './staff_list.js';

const ACTIONS = {
  get: 'Opened', find: 'Listed', include: 'Included in a list', create: 'Created', update: 'Changed', delete: 'Deleted',
  download: 'Downloaded an x-ray', livequery: 'Live update delivered', export: 'Exported', share: 'Shared', unshare: 'Stopped sharing',
};
const CLASSES = { Patient: 'Patient', XRayLog: 'X-ray', TreatmentPlan: 'Treatment plan', AppointmentReminder: 'Appointment' };

// The people a patient can be shared with, from the server's `listColleagues` (staff cannot read
// other accounts; the function answers usernames only). Whether this person may share this patient
// is `sharePatient`'s decision, shown in plain words when it refuses.
async function colleagues(error) {
  try {
    return await Parse.Cloud.run('listColleagues');
  } catch (err) {
    error.textContent = plainError(err);
    return [];
  }
}

export async function sharingSection({ app }, patient) {
  const list = h('ul', { 'aria-label': 'Shared with' });
  const error = alertBox();
  const people = await colleagues(error);
  const names = new Map(people.map((person) => [person.userId, person.username]));
  const element = h('section', { 'aria-labelledby': 'sharing-title' }, h('h2', { id: 'sharing-title' }, 'Sharing'), error, list);
  const ownerId = patient.get('owner') ? patient.get('owner').id : null;

  async function run(name, params, done) {
    error.textContent = '';
    try {
      await Parse.Cloud.run(name, { patientId: patient.id, ...params });
      await patient.fetch();
    } catch (err) {
      error.textContent = plainError(err);
      return;
    }
    render();
    announce(done);
  }

  function render() {
    clear(list);
    const acl = patient.getACL() ? patient.getACL().toJSON() : {};
    const entries = Object.entries(acl).filter(([key]) => key !== ownerId && key !== 'role:administrator' && key !== '*');
    if (!entries.length) list.append(h('li', { class: 'empty' }, 'Not shared with anyone.'));
    for (const [key, access] of entries) {
      const who = key === 'role:staff' ? 'All staff' : (names.get(key) || 'A colleague');
      const params = key.startsWith('role:') ? { role: key.slice(5) } : { userId: key };
      list.append(h('li', {}, `${who}: ${access.write ? 'can change' : 'can read'} `,
        h('button', { type: 'button', class: 'small secondary', 'aria-label': `Stop sharing with ${who}`,
          onclick: () => run('unsharePatient', params, `No longer shared with ${who}.`) }, 'Stop sharing')));
    }
  }
  render();

  const whom = h('select', { name: 'colleague' }, h('option', { value: 'role:staff' }, 'All staff'),
    people.filter((person) => person.userId !== ownerId && person.userId !== app.user.id)
      .map((person) => h('option', { value: person.userId }, person.username)));
  const access = h('select', { name: 'access' }, h('option', { value: 'read' }, 'Can read'), h('option', { value: 'write' }, 'Can change'));
  const form = h('form', { class: 'card toolbar', 'aria-label': 'Share this patient' }, field('Share with', whom), field('Access', access),
    h('button', { type: 'submit' }, 'Share'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = whom.value;
    const params = key.startsWith('role:') ? { role: key.slice(5) } : { userId: key };
    run('sharePatient', { ...params, access: access.value }, `Shared with ${whom.selectedOptions[0].textContent}.`);
  });
  element.append(form);
  return { element };
}

function who(entry, names) {
  if (entry.user) return names.get(entry.user) || 'A former colleague';
  if (entry.master) return 'The server';
  return entry.action === 'download' ? 'Someone with a signed link' : 'Not signed in';
}

export function accessLogSection(ctx, patient) {
  const holder = h('div', {});
  const error = alertBox();
  const button = h('button', { type: 'button', class: 'secondary' }, 'Show access log');
  const element = h('section', { 'aria-labelledby': 'log-title' }, h('h2', { id: 'log-title' }, 'Access log'), error, button, holder);
  button.addEventListener('click', async () => {
    error.textContent = '';
    let entries;
    let users;
    try {
      ({ entries } = await Parse.Cloud.run('patientAccessLog', { patientId: patient.id }));
      users = await staffUsers();
    } catch (err) {
      error.textContent = plainError(err);
      return;
    }
    const names = new Map(users.map((user) => [user.id, user.getUsername()]));
    clear(holder).append(h('table', {}, h('caption', {}, `${entries.length} recorded access${entries.length === 1 ? '' : 'es'}, newest first`),
      h('thead', {}, h('tr', {}, ['When', 'Who', 'What', 'Record'].map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', {}, entries.slice(0, 200).map((entry) => h('tr', {},
        h('td', {}, formatDateTime(entry.createdAt ? new Date(entry.createdAt.iso || entry.createdAt) : null)),
        h('td', {}, who(entry, names)),
        h('td', {}, ACTIONS[entry.action] || entry.action),
        h('td', {}, CLASSES[entry.targetClass] || entry.targetClass))))));
    button.textContent = 'Refresh access log';
  });
  return { element };
}
