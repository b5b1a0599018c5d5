// Appointments: a patient's list (create, reschedule, reminder status) and the week view.
import { h, clear, alertBox, field, formatDate, formatDateTime, formatTime, announce } from './dom.js';
import { plainError } from './errors.js';

const DAY = 24 * 3600 * 1000;
const DAY_NAMES = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'short' });

function localInputValue(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

function reminderWords(appointment) {
  return appointment.get('reminderSent') ? 'Reminder sent' : 'Reminder pending';
}

export async function appointmentSection(ctx, patient, canWrite) {
  const list = h('ul', { class: 'appointments', 'aria-label': 'Appointments' });
  const error = alertBox();
  const element = h('section', { 'aria-labelledby': 'appointments-title' }, h('h2', { id: 'appointments-title' }, 'Appointments'), error, list);

  async function reschedule(appointment, input) {
    error.textContent = '';
    if (!input.value) { error.textContent = 'Choose the new date and time.'; return; }
    try {
      await appointment.save({ appointmentDate: new Date(input.value) });
    } catch (err) {
      appointment.revert();
      error.textContent = plainError(err);
      return;
    }
    await load();
    announce('Appointment rescheduled.');
  }

  async function load() {
    const rows = await new Parse.Query('AppointmentReminder').equalTo('patient', patient)
      .greaterThanOrEqualTo('appointmentDate', new Date(Date.now() - 30 * DAY)).ascending('appointmentDate').limit(100).find();
    clear(list);
    if (!rows.length) list.append(h('li', { class: 'empty' }, 'No appointments.'));
    for (const appointment of rows) {
      const when = appointment.get('appointmentDate');
      const item = h('li', {}, h('time', { datetime: when.toISOString() }, formatDateTime(when)), ' · ',
        h('span', { class: 'muted' }, reminderWords(appointment)));
      if (canWrite && when > new Date()) {
        const input = h('input', { type: 'datetime-local', value: localInputValue(when) });
        const label = `New time for the appointment of ${formatDateTime(when)}`;
        input.setAttribute('aria-label', label);
        item.append(' ', input, h('button', { type: 'button', class: 'small', onclick: () => reschedule(appointment, input) }, 'Reschedule'));
      }
      list.append(item);
    }
  }
  await load();

  if (canWrite) {
    const formError = alertBox();
    const when = h('input', { type: 'datetime-local', name: 'appointmentDate', required: true });
    const form = h('form', { class: 'card', 'aria-label': 'New appointment' }, h('h3', {}, 'New appointment'), formError,
      field('Date and time', when), h('button', { type: 'submit' }, 'Add appointment'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      formError.textContent = '';
      if (!when.value) { formError.textContent = 'Choose the date and time.'; return; }
      const appointment = new Parse.Object('AppointmentReminder');
      try {
        await appointment.save({ patient, appointmentDate: new Date(when.value), reminderSent: false });
      } catch (err) {
        formError.textContent = plainError(err);
        return;
      }
      when.value = '';
      await load();
      announce('Appointment added.');
    });
    element.append(form);
  }
  return { element };
}

function mondayOf(date) {
  const day = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const offset = (day.getDay() + 6) % 7;
  return new Date(day.getTime() - offset * DAY);
}

function isoDay(date) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

export async function weekView({ params, main }) {
  const asked = params.get('week');
  const start = mondayOf(asked && /^\d{4}-\d{2}-\d{2}$/.test(asked) ? new Date(`${asked}T00:00:00`) : new Date());
  const end = new Date(start.getTime() + 7 * DAY);
  const rows = await new Parse.Query('AppointmentReminder').greaterThanOrEqualTo('appointmentDate', start)
    .lessThan('appointmentDate', end).include('patient').ascending('appointmentDate').limit(500).find();
  const days = Array.from({ length: 7 }, (_, index) => new Date(start.getTime() + index * DAY));
  const columns = days.map((day) => {
    const items = rows.filter((row) => isoDay(row.get('appointmentDate')) === isoDay(day));
    return h('section', { class: 'day', 'aria-label': DAY_NAMES.format(day) }, h('h2', {}, DAY_NAMES.format(day)),
      items.length ? h('ul', {}, items.map((row) => {
        const patient = row.get('patient');
        return h('li', {}, h('time', { datetime: row.get('appointmentDate').toISOString() }, formatTime(row.get('appointmentDate'))), ' ',
          patient ? h('a', { href: `#/patients/${patient.id}` }, patient.get('name') || 'Patient') : 'Patient',
          h('span', { class: 'muted block' }, reminderWords(row)));
      })) : h('p', { class: 'muted' }, 'No appointments'));
  });
  const previous = isoDay(new Date(start.getTime() - 7 * DAY));
  const next = isoDay(end);
  clear(main).append(
    h('div', { class: 'title-row' }, h('h1', {}, `Week of ${formatDate(start)}`)),
    h('nav', { class: 'paging', 'aria-label': 'Weeks' }, h('a', { href: `#/appointments?week=${previous}` }, 'Previous week'),
      h('a', { href: '#/appointments' }, 'This week'), h('a', { href: `#/appointments?week=${next}` }, 'Next week')),
    h('div', { class: 'week' }, columns));
}
