// The idle warning: the server ends a session after `sessionIdleTimeout` seconds without a
// request; a minute before that the person is asked whether to stay, then signed out.
const WARN_BEFORE = 60;

export class IdleWatch {
  constructor(timeoutSeconds, onExpired) {
    this.timeout = Number(timeoutSeconds) || 0;
    this.onExpired = onExpired;
    this.timers = [];
    this.box = document.getElementById('idle');
    this.reset = () => { if (this.box.hidden) this.arm(); };
    document.getElementById('stay').addEventListener('click', async () => {
      this.box.hidden = true;
      try { await Parse.Session.current(); } catch (_) { /* the next screen will say */ }
      this.arm();
    });
  }

  start() {
    if (!this.timeout) return;
    for (const kind of ['keydown', 'pointerdown']) document.addEventListener(kind, this.reset, { passive: true });
    this.arm();
  }

  arm() {
    this.timers.forEach(clearTimeout);
    const warnAt = Math.max(this.timeout - WARN_BEFORE, 1) * 1000;
    this.timers = [
      setTimeout(() => { this.box.hidden = false; document.getElementById('stay').focus(); }, warnAt),
      setTimeout(() => this.onExpired(), Math.max(this.timeout - 5, 2) * 1000),
    ];
  }

  stop() {
    this.timers.forEach(clearTimeout);
    this.timers = [];
    this.box.hidden = true;
    for (const kind of ['keydown', 'pointerdown']) document.removeEventListener(kind, this.reset);
  }
}
