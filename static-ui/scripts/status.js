/*
 * The global message area (#message, role="status") and the loading indicator
 * (#loading), shown only while some call has taken longer than ~300 ms.
 */

import { onBusy } from './xhr.js';

let keep = false;

/**
 * Show text in the message area; kind is "info", "success" or "error".
 * A sticky message survives the next change of screen ("Signed in as …").
 */
export function show(text, kind, sticky) {
  const el = document.getElementById('message');
  el.textContent = text || '';
  el.setAttribute('data-kind', text ? kind || 'info' : '');
  keep = Boolean(sticky);
}

export function clear() {
  show('', '');
}

/** Called by the router: a new screen starts without the old screen's message. */
export function screenChanged() {
  if (!keep) {
    clear();
  }
  keep = false;
}

/** Show a normalized XHR error (see xhr.js). */
export function error(err) {
  show(err.status === 401 ? 'Please sign in.' : err.message, 'error');
}

/** Tie #loading and #main's aria-busy to slow calls. */
export function mount() {
  const loading = document.getElementById('loading');
  const main = document.getElementById('main');
  onBusy((busy) => {
    loading.hidden = !busy;
    if (busy) {
      main.setAttribute('aria-busy', 'true');
    } else {
      main.removeAttribute('aria-busy');
    }
  });
}
