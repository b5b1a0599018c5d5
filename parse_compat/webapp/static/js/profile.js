// A patient's profile: details, x-rays, treatment plans (live), appointments, sharing, access log.
import { h, clear } from './dom.js';
import { xraySection } from './xrays.js';
import { planSection } from './plans.js';
import { appointmentSection } from './appointments.js';
import { sharingSection, accessLogSection } from './sharing.js';

export async function profileView(ctx, patientId) {
  const { app, main } = ctx;
  const patient = await new Parse.Query('Patient').get(patientId);
  const owner = patient.get('owner');
  const isOwner = !!owner && owner.id === app.user.id;
  const acl = patient.getACL();
  const canWrite = app.admin || !acl || acl.getWriteAccess(app.user) || acl.getRoleWriteAccess('staff');
  const header = h('div', { class: 'title-row' }, h('h1', {}, patient.get('name')),
    canWrite ? h('a', { class: 'button secondary', href: `#/patients/${patient.id}/edit` }, 'Edit patient') : null);
  const details = h('dl', { class: 'details' },
    h('dt', {}, 'Email'), h('dd', {}, patient.get('email') || ''),
    h('dt', {}, 'Phone'), h('dd', {}, patient.get('phone') || ''),
    h('dt', {}, 'Access'), h('dd', {}, isOwner ? 'Your patient' : 'Shared with you'),
    h('dt', {}, 'Reminders'), h('dd', {}, patient.get('reminderOptOut') ? 'Not sent (opted out)' : 'Sent by email'));
  const sections = [
    await xraySection(ctx, patient, canWrite),
    await planSection(ctx, patient, canWrite),
    await appointmentSection(ctx, patient, canWrite),
  ];
  if (app.admin || isOwner) sections.push(await sharingSection(ctx, patient));
  if (app.admin) sections.push(accessLogSection(ctx, patient));
  clear(main).append(h('p', {}, h('a', { href: '#/patients' }, '← All patients')), header, details,
    ...sections.map((section) => section.element));
  return () => Promise.all(sections.map((section) => section.dispose && section.dispose()));
}
