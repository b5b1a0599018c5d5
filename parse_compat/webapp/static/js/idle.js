// The idle warning: the server ends a session after `sessionIdleTimeout` seconds without a
// request. A minute before that (a third of it for short timeouts) the person is asked whether
// to stay; a few seconds before the server would, the app signs out and clears the screen.
// The clock restarts on every request the SDK sends (`touch`), as the server's does.

export class IdleWatch {
  constructor(timeoutSeconds, onExpired) {
    this.timeout = Number(timeoutSeconds) || 0;
    this.onExpired = onExpired;
    this.timers = [];
    this.running = false;
    this.box = document.getElementById('idle');
    document.getElementById('stay').addEventListener('click', async () => {
      this.box.hidden = true;
      try { await Parse.Session.current(); } catch (_) { /* the next screen will say */ }
    });
  }

  start() {
    this.running = this.timeout > 0;
    this.touch();
  }

  touch() {
    if (!this.running) return;
    this.timers.forEach(clearTimeout);
    this.box.hidden = true;
    const warnAt = (this.timeout - Math.min(60, this.timeout / 3)) * 1000;
    const endAt = (this.timeout - Math.min(5, this.timeout / 10)) * 1000;
    this.timers = [
      setTimeout(() => { this.box.hidden = false; document.getElementById('stay').focus(); }, warnAt),
      setTimeout(() => this.onExpired(), endAt),
    ];
  }

  stop() {
    this.running = false;
    this.timers.forEach(clearTimeout);
    this.timers = [];
    this.box.hidden = true;
  }
}
