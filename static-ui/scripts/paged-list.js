/*
 * A list the server hands out a page at a time ({items, next_cursor}), with a
 * "More" button and an empty-state line. Used by the goods list, a good's owners
 * and my goods.
 */

import { replace, setBusy } from './dom.js';
import * as status from './status.js';

/**
 * options: {calls, list, more, empty, url(cursor), row(item), emptyText()}.
 * `calls` is the screen's XHR scope, `list` the <ul> rows go into, `more` the
 * More button, `empty` the line shown when there are no rows, `url(cursor)` the
 * address of a page (cursor null: the first), `row(item)` draws one row and
 * `emptyText()` (optional) words the empty line at the time it shows.
 *
 * Returns {load(reset), updateEmpty()}: load(true) starts over from the first page,
 * load(false) appends the next one. Only the newest load renders: starting one
 * aborts the previous call, and a sequence number guards the answer as well.
 */
export function pagedList(options) {
  const { calls, list, more, empty } = options;
  let cursor = null;
  let seq = 0;
  let pending = null;

  function updateEmpty() {
    if (options.emptyText) {
      empty.textContent = options.emptyText();
    }
    empty.hidden = list.children.length > 0 || cursor !== null;
  }

  function load(reset) {
    const mine = ++seq;
    if (pending) {
      pending.abort();
    }
    setBusy(more, true);
    pending = calls.get(options.url(reset ? null : cursor));
    pending.then(
      (data) => {
        if (mine !== seq) {
          return;
        }
        setBusy(more, false);
        const rows = (data.items || []).map((item) => options.row(item));
        if (reset) {
          replace(list, rows);
        } else {
          rows.forEach((row) => list.appendChild(row));
        }
        cursor = data.next_cursor || null;
        more.hidden = cursor === null;
        updateEmpty();
      },
      (error) => {
        if (mine === seq) {
          setBusy(more, false);
          status.error(error);
        }
      }
    );
    return pending;
  }

  more.addEventListener('click', () => load(false));
  return { load: load, updateEmpty: updateEmpty };
}
