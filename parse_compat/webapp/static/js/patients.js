// The patients list (server-side search and paging, mine / shared with me) and the patient form.
import { h, clear, alertBox, field } from './dom.js';
import { plainError } from './errors.js';
import { PAGE_SIZE, patientQuery } from './records.js';

const SHOW = [['all', 'All patients'], ['mine', 'Mine'], ['shared', 'Shared with me']];

function listHash(search, show, page) {
  const params = new URLSearchParams();
  if (search) params.set('q', search);
  if (show && show !== 'all') params.set('show', show);
  if (page > 1) params.set('page', String(page));
  const text = params.toString();
  return `#/patients${text ? `?${text}` : ''}`;
}

export async function patientsView({ app, params, main }) {
  const search = params.get('q') || '';
  const show = SHOW.some(([key]) => key === params.get('show')) ? params.get('show') : 'all';
  const page = Math.max(1, parseInt(params.get('page') || '1', 10) || 1);
  const query = patientQuery(search, show).ascending('name').limit(PAGE_SIZE).skip((page - 1) * PAGE_SIZE).withCount();
  const { results, count } = await query.find();
  const me = app.user.id;

  const searchInput = h('input', { type: 'search', name: 'q', value: search });
  const showSelect = h('select', { name: 'show' }, SHOW.map(([key, label]) => h('option', { value: key, selected: key === show }, label)));
  const form = h('form', { role: 'search', class: 'toolbar', 'aria-label': 'Find patients' },
    field('Search by name, email or phone', searchInput), field('Show', showSelect), h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = listHash(searchInput.value.trim(), showSelect.value, 1);
  });

  const rows = results.map((patient) => {
    const owner = patient.get('owner');
    return h('tr', {},
      h('td', {}, h('a', { href: `#/patients/${patient.id}` }, patient.get('name'))),
      h('td', {}, patient.get('email') || ''),
      h('td', {}, patient.get('phone') || ''),
      h('td', {}, owner && owner.id === me ? 'Mine' : 'Shared with me'));
  });
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  const table = results.length
    ? h('table', {}, h('caption', {}, `${count} patient${count === 1 ? '' : 's'}, page ${page} of ${pages}`),
      h('thead', {}, h('tr', {}, ['Name', 'Email', 'Phone', 'Access'].map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', {}, rows))
    : h('p', {}, search ? 'No patient matches this search.' : 'No patients yet.');
  const paging = h('nav', { 'aria-label': 'Pages', class: 'paging' },
    page > 1 ? h('a', { href: listHash(search, show, page - 1) }, 'Previous page') : null,
    page < pages ? h('a', { href: listHash(search, show, page + 1) }, 'Next page') : null);

  clear(main).append(h('div', { class: 'title-row' }, h('h1', {}, 'Patients'), h('a', { class: 'button', href: '#/patients/new' }, 'New patient')),
    form, table, paging);
}

export async function patientFormView({ main }, patientId) {
  const patient = patientId ? await new Parse.Query('Patient').get(patientId) : new Parse.Object('Patient');
  const title = patientId ? `Edit ${patient.get('name')}` : 'New patient';
  const error = alertBox();
  const name = h('input', { name: 'name', required: true, autocomplete: 'off', value: patient.get('name') || '' });
  const email = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off', value: patient.get('email') || '' });
  const phone = h('input', { name: 'phone', type: 'tel', required: true, autocomplete: 'off', value: patient.get('phone') || '' });
  const optOut = h('input', { name: 'reminderOptOut', type: 'checkbox', checked: !!patient.get('reminderOptOut') });
  const form = h('form', { class: 'card' }, h('h1', {}, title), error,
    field('Name', name), field('Email', email), field('Phone', phone),
    h('div', { class: 'field check' }, optOut, h('label', { for: 'opt-out' }, 'Do not send appointment reminders')),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save patient'),
      h('a', { href: patientId ? `#/patients/${patientId}` : '#/patients' }, 'Cancel')));
  optOut.id = 'opt-out';
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    patient.set({ name: name.value.trim(), email: email.value.trim(), phone: phone.value.trim(), reminderOptOut: optOut.checked });
    try {
      await patient.save();
    } catch (err) {
      error.textContent = plainError(err);
      return;
    }
    location.hash = `#/patients/${patient.id}`;
  });
  clear(main).append(form);
  name.focus();
}
