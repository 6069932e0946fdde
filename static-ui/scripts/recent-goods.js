/*
 * "Recently viewed": the goods this visitor opened, newest first, at most 8, kept
 * in the session under recent_goods. session-service keeps the order, drops the
 * older copy of a good and trims the list, so recording a view is one call.
 */

import * as xhr from './xhr.js';

const DATA = '/api/session/data';
const KEY = 'recent_goods';
const MAX = 8;

/** Put a good first in the list. Sent outside any screen's scope, so leaving the page does not cancel it. */
export function remember(good) {
  const body = { item: { id: good.id, name: good.name }, unique_by: 'id', max: MAX };
  xhr.post(DATA + '/' + KEY + '/items', body, { quiet: true }).catch(() => {
    // the history is a nicety; a failure here must not disturb the page
  });
}

/** Resolve with the list ([{id, name}, ...]). GET data answers 200 even before the key exists. */
export function load(calls) {
  return calls.get(DATA, { quiet: true }).then((answer) => {
    const value = answer && answer.data && answer.data[KEY];
    return Array.isArray(value) ? value : [];
  });
}
