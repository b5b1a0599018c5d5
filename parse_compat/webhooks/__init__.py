"""Webhooks: cloud functions and triggers served by a URL (Parse's `/hooks` API).

- `store.py`: the `_Hooks` rows (`functionName` | `className` + `triggerName`, `url`), validated;
- `caller.py`: the outgoing call — Parse's webhook payload POSTed with `X-Parse-Webhook-Key`
  (option `webhookKey`), bounded in time and size, http(s) only;
- `triggers.py`: what each trigger kind sends and what its answer may change (save, delete,
  find, login, logout, password-reset-request, Live Query connect and subscribe triggers);
- `registry.py`: puts each stored hook into the app's cloud hook table (functions and those
  triggers), as Parse's HooksController does, and takes it out again; a Python hook the webhook
  replaced comes back when it is deleted. afterEvent hooks are stored, not run.

Only the master key reaches the `/hooks` routes (`http/routes/hooks.py`); nothing there fetches a
URL — a URL is only ever called when its function or trigger runs.
"""

from __future__ import annotations

from .registry import WebhookRegistry, install_webhooks

__all__ = ["WebhookRegistry", "install_webhooks"]
