// Treatment plans of a patient: create, move status as the server's rules allow, and see
// colleagues' changes live through a Live Query subscription.
import { h, clear, alertBox, field, formatDateTime, announce } from './dom.js';
import { plainError } from './errors.js';
import { MOVES, STATUS_WORDS } from './records.js';

export async function planSection(ctx, patient, canWrite) {
  const query = new Parse.Query('TreatmentPlan').equalTo('patient', patient).ascending('createdAt').limit(200);
  const plans = new Map((await query.find()).map((plan) => [plan.id, plan]));
  const list = h('ul', { class: 'plans', 'aria-label': 'Treatment plans' });
  const error = alertBox();
  const element = h('section', { 'aria-labelledby': 'plans-title' }, h('h2', { id: 'plans-title' }, 'Treatment plans'), error, list);

  async function move(plan, status) {
    error.textContent = '';
    try {
      await plan.save({ status });
    } catch (err) {
      plan.revert();
      error.textContent = plainError(err);
    }
    render();
    announce(`${plan.get('treatmentDetails')}: ${STATUS_WORDS[plan.get('status')] || plan.get('status')}.`);
  }

  function render() {
    clear(list);
    if (!plans.size) list.append(h('li', { class: 'empty' }, 'No treatment plans yet.'));
    for (const plan of plans.values()) {
      const status = plan.get('status');
      const moves = canWrite ? (MOVES[status] || []) : [];
      list.append(h('li', { class: 'plan', 'data-plan': plan.id },
        h('span', { class: 'plan-details' }, plan.get('treatmentDetails')),
        h('span', { class: `status status-${status}`, 'data-status': status }, STATUS_WORDS[status] || status),
        h('span', { class: 'muted' }, `updated ${formatDateTime(plan.updatedAt)}`),
        moves.map(([next, label]) => h('button', { type: 'button', class: 'small', onclick: () => move(plan, next),
          'aria-label': `${label}: ${plan.get('treatmentDetails')}` }, label))));
    }
  }
  render();

  let subscription = null;
  try {
    subscription = await new Parse.Query('TreatmentPlan').equalTo('patient', patient).subscribe();
    const upsert = (plan) => {
      const before = plans.get(plan.id);
      plans.set(plan.id, plan);
      render();
      if (before && before.get('status') !== plan.get('status')) {
        announce(`${plan.get('treatmentDetails')} is now ${(STATUS_WORDS[plan.get('status')] || '').toLowerCase()}.`);
      }
    };
    const remove = (plan) => { plans.delete(plan.id); render(); };
    subscription.on('create', upsert);
    subscription.on('update', upsert);
    subscription.on('enter', upsert);
    subscription.on('leave', remove);
    subscription.on('delete', remove);
    element.setAttribute('data-live', 'subscribed');
    subscription.on('open', () => element.setAttribute('data-live', 'open'));
  } catch (_) {
    element.setAttribute('data-live', 'off');
  }

  if (canWrite) {
    const formError = alertBox();
    const details = h('textarea', { name: 'treatmentDetails', required: true, rows: '2' });
    const form = h('form', { class: 'card', 'aria-label': 'New treatment plan' }, h('h3', {}, 'New treatment plan'), formError,
      field('Treatment details', details), h('button', { type: 'submit' }, 'Add plan'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      formError.textContent = '';
      const text = details.value.trim();
      if (!text) { formError.textContent = 'Describe the treatment first.'; return; }
      const plan = new Parse.Object('TreatmentPlan');
      try {
        await plan.save({ patient, treatmentDetails: text, status: 'planned' });
      } catch (err) {
        formError.textContent = plainError(err);
        return;
      }
      plans.set(plan.id, plan);
      details.value = '';
      render();
      announce('Treatment plan added.');
    });
    element.append(form);
  }
  return { element, dispose: () => { if (subscription) subscription.unsubscribe(); } };
}
