// The app's entry: configure the Parse SDK, sign in and out, route between screens.
import { h, clear, alertBox, field } from './dom.js';
import { plainError, isSessionEnded } from './errors.js';
import { patientsView, patientFormView } from './patients.js';
import { profileView } from './profile.js';
import { weekView } from './appointments.js';
import { staffView } from './staff.js';
import { IdleWatch } from './idle.js';

const main = document.getElementById('main');

// The session lives in this tab's sessionStorage only (never localStorage), and is wiped on sign-out.
const tabStorage = {
  async: 0,
  getItem: (key) => sessionStorage.getItem(key),
  setItem: (key, value) => sessionStorage.setItem(key, value),
  removeItem: (key) => sessionStorage.removeItem(key),
  getAllKeys: () => Object.keys(sessionStorage),
  clear: () => sessionStorage.clear(),
};

async function configure() {
  const reply = await fetch('config.json', { cache: 'no-store', credentials: 'omit' });
  if (!reply.ok) throw new Error('The app could not load its settings.');
  const config = await reply.json();
  Parse.CoreManager.setStorageController(tabStorage);
  Parse.initialize(config.appId);
  Parse.serverURL = location.origin + config.mountPath;
  Parse.liveQueryServerURL = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + config.mountPath;
  return config;
}

async function isAdministrator(user) {
  const query = new Parse.Query(Parse.Role).equalTo('name', 'administrator').equalTo('users', user);
  return (await query.count()) > 0;
}

class App {
  constructor(config) {
    this.config = config;
    this.dispose = null;
    this.admin = false;
    this.idle = new IdleWatch(config.sessionIdleTimeout, () => this.signOut('You were signed out after a period of inactivity.'));
    const rest = Parse.CoreManager.getRESTController();
    Parse.CoreManager.setRESTController({
      ...rest,
      request: (...args) => { this.idle.touch(); return rest.request(...args); },
      ajax: (...args) => { this.idle.touch(); return rest.ajax(...args); },
    });
    document.getElementById('sign-out').addEventListener('click', () => this.signOut());
    window.addEventListener('hashchange', () => this.route());
  }

  get user() { return Parse.User.current(); }

  async start() {
    if (!this.user) return this.signInView();
    try {
      await Parse.User.current().fetch();
      this.admin = await isAdministrator(this.user);
    } catch (error) {
      return this.signOut(plainError(error));
    }
    this.showChrome();
    return this.route();
  }

  showChrome() {
    document.getElementById('top').hidden = false;
    document.getElementById('nav-staff').hidden = !this.admin;
    document.getElementById('who').textContent = `Signed in as ${this.user.getUsername()}`;
    this.idle.start();
  }

  signInView(message) {
    document.getElementById('top').hidden = true;
    const error = alertBox();
    if (message) error.textContent = message;
    const username = h('input', { name: 'username', autocomplete: 'username', required: true });
    const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const form = h('form', { class: 'card narrow', 'aria-labelledby': 'sign-in-title' },
      h('h1', { id: 'sign-in-title' }, 'Sign in'),
      error,
      field('Username', username),
      field('Password', password),
      h('button', { type: 'submit' }, 'Sign in'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      try {
        await Parse.User.logIn(username.value.trim(), password.value);
        this.admin = await isAdministrator(this.user);
      } catch (err) {
        error.textContent = plainError(err);
        password.value = '';
        password.focus();
        return;
      }
      this.showChrome();
      if (!location.hash || location.hash === '#/') location.hash = '#/patients';
      else this.route();
    });
    clear(main).append(form, this.resetForm());
    username.focus();
  }

  resetForm() {
    const message = h('p', { role: 'status' });
    const email = h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true });
    const form = h('form', { class: 'card narrow', 'aria-labelledby': 'reset-title', hidden: true },
      h('h2', { id: 'reset-title' }, 'Reset your password'), message, field('Email', email),
      h('button', { type: 'submit' }, 'Send reset link'));
    const open = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false' }, 'Forgot your password?');
    open.addEventListener('click', () => {
      form.hidden = false;
      open.setAttribute('aria-expanded', 'true');
      email.focus();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.textContent = '';
      try {
        await Parse.User.requestPasswordReset(email.value.trim());
      } catch (err) {
        message.textContent = plainError(err);
        return;
      }
      message.textContent = 'If this address belongs to an account, a link to choose a new password is on its way.';
    });
    return h('div', { class: 'narrow-actions' }, open, form);
  }

  async signOut(message) {
    this.idle.stop();
    await this.leaveScreen();
    clear(main);
    try { await Parse.LiveQuery.close(); } catch (_) { /* not open */ }
    try { await Parse.User.logOut(); } catch (_) { /* the session may already be gone */ }
    sessionStorage.clear();
    localStorage.clear();
    try {
      await fetch('signed-out', { method: 'POST', cache: 'no-store' });  // answers Clear-Site-Data
    } catch (_) { /* offline: the storage is cleared above all the same */ }
    if (message) sessionStorage.setItem('signed-out-message', message);
    // A fresh document: nothing of the last person's screens stays in memory either.
    location.replace(location.pathname);
  }

  async leaveScreen() {
    const dispose = this.dispose;
    this.dispose = null;
    if (dispose) {
      try { await dispose(); } catch (_) { /* a subscription already gone */ }
    }
  }

  async route() {
    if (!this.user) return this.signInView();
    await this.leaveScreen();
    const [path, query] = (location.hash.slice(1) || '/patients').split('?');
    const params = new URLSearchParams(query || '');
    const parts = path.split('/').filter(Boolean);
    const ctx = { app: this, params, main };
    clear(main).append(h('p', {}, 'Loading…'));
    try {
      let dispose;
      if (parts[0] === 'patients' && parts[1] === 'new') dispose = await patientFormView(ctx, null);
      else if (parts[0] === 'patients' && parts[1] && parts[2] === 'edit') dispose = await patientFormView(ctx, parts[1]);
      else if (parts[0] === 'patients' && parts[1]) dispose = await profileView(ctx, parts[1]);
      else if (parts[0] === 'appointments') dispose = await weekView(ctx);
      else if (parts[0] === 'staff' && this.admin) dispose = await staffView(ctx);
      else dispose = await patientsView(ctx);
      this.dispose = typeof dispose === 'function' ? dispose : null;
    } catch (error) {
      this.failed(error);
    }
    const heading = main.querySelector('h1');
    if (heading) document.title = `${heading.textContent} · Dental practice`;
  }

  failed(error) {
    if (isSessionEnded(error)) return this.signOut(plainError(error));
    clear(main).append(h('h1', {}, 'Something went wrong'), h('p', { role: 'alert', class: 'error' }, plainError(error)),
      h('p', {}, h('a', { href: '#/patients' }, 'Back to the patients')));
    return undefined;
  }
}

async function boot() {
  if (typeof Parse === 'undefined') {
    clear(main).append(h('h1', {}, 'The web app is not installed'),
      h('p', { role: 'alert' }, 'The Parse JavaScript SDK is missing on this server. Run "make webapp" and restart it.'));
    return;
  }
  let config;
  try {
    config = await configure();
  } catch (error) {
    clear(main).append(h('h1', {}, 'The web app could not start'), h('p', { role: 'alert' }, plainError(error)));
    return;
  }
  const app = new App(config);
  const message = sessionStorage.getItem('signed-out-message');
  sessionStorage.removeItem('signed-out-message');
  if (message && !app.user) app.signInView(message);
  else await app.start();
}

boot();
