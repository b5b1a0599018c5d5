// Administrators: the staff list, invitations, role changes and removal.
import { h, clear, alertBox, field, announce } from './dom.js';
import { plainError } from './errors.js';
import { staffUsers } from './staff_list.js';

const ROLES = [['staff', 'Staff'], ['administrator', 'Administrator']];

export async function staffView(ctx) {
  const { app, main } = ctx;
  const users = await staffUsers();
  const error = alertBox();

  async function run(name, params, done) {
    error.textContent = '';
    try {
      await Parse.Cloud.run(name, params);
    } catch (err) {
      error.textContent = plainError(err);
      return;
    }
    await staffView(ctx);
    announce(done);
  }

  const rows = users.map((user) => {
    const name = user.getUsername();
    const self = user.id === app.user.id;
    const role = h('select', { 'aria-label': `Role of ${name}` },
      ROLES.map(([key, label]) => h('option', { value: key, selected: user.get('role') === key }, label)));
    return h('tr', {}, h('th', { scope: 'row' }, name), h('td', {}, user.get('email') || ''),
      h('td', {}, self ? (user.get('role') === 'administrator' ? 'Administrator' : 'Staff') : role),
      h('td', {}, self ? 'You' : [
        h('button', { type: 'button', class: 'small', 'aria-label': `Change the role of ${name}`,
          onclick: () => run('setUserRole', { userId: user.id, role: role.value }, `${name} is now ${role.value}.`) }, 'Change role'), ' ',
        h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove ${name}`,
          onclick: () => {
            // eslint-disable-next-line no-alert
            if (window.confirm(`Remove ${name}? They will be signed out and cannot sign in again.`)) {
              run('removeStaff', { userId: user.id }, `${name} was removed.`);
            }
          } }, 'Remove')]));
  });

  const inviteError = alertBox();
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' });
  const username = h('input', { name: 'username', autocomplete: 'off' });
  const role = h('select', { name: 'role' }, ROLES.map(([key, label]) => h('option', { value: key }, label)));
  const invite = h('form', { class: 'card', 'aria-label': 'Invite a colleague' }, h('h2', {}, 'Invite a colleague'), inviteError,
    field('Email', email), field('Username', username, 'Optional; the email address is used when empty.'), field('Role', role),
    h('button', { type: 'submit' }, 'Send invitation'));
  invite.addEventListener('submit', async (event) => {
    event.preventDefault();
    inviteError.textContent = '';
    try {
      await Parse.Cloud.run('inviteStaff', { email: email.value.trim(), username: username.value.trim() || undefined, role: role.value });
    } catch (err) {
      inviteError.textContent = plainError(err);
      return;
    }
    await staffView(ctx);
    announce(`Invitation sent to ${email.value.trim()}.`);
  });

  clear(main).append(h('h1', {}, 'Staff'), error,
    h('table', {}, h('caption', {}, `${users.length} account${users.length === 1 ? '' : 's'}`),
      h('thead', {}, h('tr', {}, ['Username', 'Email', 'Role', 'Actions'].map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', {}, rows)),
    invite);
}
