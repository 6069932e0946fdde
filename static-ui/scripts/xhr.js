/*
 * The one module through which every server call goes.
 *
 * get(url) / post(url, body) / put(url, body) / del(url) return a Promise with an
 * extra abort() method. An aborted call never settles, so a screen that aborts its
 * calls never sees a stale answer. Failures reject with one shape:
 * {status, code, message, serverMessage, requestId, fields}; `message` is ready to show a person.
 */

const TIMEOUT_MS = 10000;
const SLOW_MS = 300;
const UNSAFE = { POST: true, PUT: true, PATCH: true, DELETE: true };
const CSRF_URL = '/api/session/csrf';

let csrfToken = null;
let csrfPending = null;
let inFlight = 0;
let slowTimer = null;
const busyListeners = [];

/** Return a new XMLHttpRequest (ActiveX on very old Internet Explorer). */
export function createXhr() {
  if (window.XMLHttpRequest) {
    return new XMLHttpRequest();
  }
  return new window.ActiveXObject('Microsoft.XMLHTTP');
}

function parseJson(xhr) {
  if (!xhr.responseText) {
    return null;
  }
  try {
    return JSON.parse(xhr.responseText);
  } catch (e) {
    // the gateway and the services answer in JSON; anything else (a proxy's HTML page on the
    // way) still has a status that tells us enough
    return null;
  }
}

function responseHeader(xhr, name) {
  try {
    return xhr.getResponseHeader(name);
  } catch (e) {
    return null;
  }
}

/** Turn a status and the JSON error body into a message a person can act on. */
function describe(status, code, serverMessage, requestId) {
  if (status === 0) {
    return code === 'timeout'
      ? 'The server took too long to answer. Please try again.'
      : 'You seem to be offline, or the server cannot be reached. Check your connection and try again.';
  }
  if (status >= 500) {
    return 'Something went wrong' + (requestId ? ' (request id ' + requestId + ')' : '') + '. Please try again.';
  }
  if (status === 401) {
    return serverMessage || 'Please sign in.';
  }
  if (status === 429) {
    return 'Too many attempts, wait a minute and try again.';
  }
  if (status === 403) {
    return serverMessage || 'You are not allowed to do that.';
  }
  if (status === 404) {
    return serverMessage || 'Not found.';
  }
  return serverMessage || 'The request failed (' + status + ').';
}

function makeError(status, code, serverMessage, requestId, fields) {
  return {
    status: status,
    code: code,
    message: describe(status, code, serverMessage, requestId),
    serverMessage: serverMessage || null,
    requestId: requestId || null,
    fields: fields || null
  };
}

function errorFromXhr(xhr) {
  const body = parseJson(xhr);
  const e = (body && body.error) || {};
  const requestId = e.request_id || responseHeader(xhr, 'X-Request-ID');
  const code = e.code || (xhr.status === 0 ? 'offline' : 'http_' + xhr.status);
  return makeError(xhr.status, code, e.message, requestId, e.fields);
}

/** One XMLHttpRequest round trip; calls done(error, data) once, unless aborted. */
function send(method, url, body, done) {
  const xhr = createXhr();
  let finished = false;
  let timer = null;

  xhr.open(method, url, true);
  xhr.setRequestHeader('Accept', 'application/json');
  xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
  if (UNSAFE[method] && csrfToken) {
    xhr.setRequestHeader('X-CSRF-Token', csrfToken);
  }
  if (body !== undefined) {
    xhr.setRequestHeader('Content-Type', 'application/json');
  }

  xhr.onreadystatechange = function () {
    if (xhr.readyState === 4) {
      if (finished) {
        return; // aborted or timed out: the caller has moved on
      }
      finished = true;
      clearTimeout(timer);
      if (xhr.status >= 200 && xhr.status < 300) {
        const data = parseJson(xhr);
        if (data && typeof data.csrf_token === 'string') {
          csrfToken = data.csrf_token; // login, /visitor, /me and /csrf answers carry the session's token
        }
        done(null, data);
      } else {
        done(errorFromXhr(xhr), null);
      }
    }
  };

  timer = setTimeout(function () {
    if (finished) {
      return;
    }
    finished = true;
    xhr.abort();
    done(makeError(0, 'timeout', null, null, null), null);
  }, TIMEOUT_MS);

  if (body === undefined) {
    xhr.send(null);
  } else {
    xhr.send(JSON.stringify(body));
  }

  return {
    abort: function () {
      if (!finished) {
        finished = true;
        clearTimeout(timer);
        xhr.abort();
      }
    }
  };
}

/** Resolve once a CSRF token is in memory; concurrent callers share one GET. */
function ensureCsrf() {
  if (csrfToken) {
    return Promise.resolve(csrfToken);
  }
  if (!csrfPending) {
    csrfPending = new Promise((resolve, reject) => {
      send('GET', CSRF_URL, undefined, (error, data) => {
        csrfPending = null;
        if (error) {
          reject(error);
        } else {
          resolve(data && data.csrf_token);
        }
      });
    });
  }
  return csrfPending;
}

function setBusy(delta) {
  inFlight += delta;
  if (inFlight > 0 && slowTimer === null) {
    // only calls slower than SLOW_MS show the indicator, so fast screens do not flicker
    slowTimer = setTimeout(() => notifyBusy(true), SLOW_MS);
  } else if (inFlight === 0) {
    clearTimeout(slowTimer);
    slowTimer = null;
    notifyBusy(false);
  }
}

function notifyBusy(busy) {
  busyListeners.forEach((listener) => listener(busy));
}

/**
 * Send one call. options: {body, quiet}. quiet calls (typing suggestions) do not
 * show the loading indicator. Returns a Promise with abort().
 */
export function request(method, url, options = {}) {
  let current = null;
  let aborted = false;
  let settled = false;
  let retried = false;

  function finish() {
    if (!settled) {
      settled = true;
      if (!options.quiet) {
        setBusy(-1);
      }
    }
  }

  const promise = new Promise((resolve, reject) => {
    if (!options.quiet) {
      setBusy(+1);
    }

    function attempt() {
      const ready = UNSAFE[method] ? ensureCsrf() : Promise.resolve();
      ready.then(
        () => {
          if (aborted) {
            return;
          }
          current = send(method, url, options.body, (error, data) => {
            if (error && error.status === 403 && UNSAFE[method] && !retried) {
              // the token may have rotated (new session, sign in/out elsewhere): fetch it once more
              retried = true;
              csrfToken = null;
              attempt();
              return;
            }
            finish();
            if (error) {
              reject(error);
            } else {
              resolve(data);
            }
          });
        },
        (error) => {
          if (!aborted) {
            finish();
            reject(error);
          }
        }
      );
    }

    attempt();
  });

  promise.abort = function () {
    aborted = true;
    if (current) {
      current.abort();
    }
    finish();
  };
  promise.isSettled = () => settled;
  return promise;
}

/** Build a URL with query parameters, leaving out empty ones. */
export function url(path, params) {
  const parts = [];
  Object.keys(params || {}).forEach((key) => {
    const value = params[key];
    if (value !== undefined && value !== null && value !== '') {
      parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(value));
    }
  });
  return parts.length ? path + '?' + parts.join('&') : path;
}

/** What a closed scope answers: a call that is never sent and never settles. */
function gone() {
  const promise = new Promise(() => {});
  promise.abort = () => {};
  promise.isSettled = () => true;
  return promise;
}

/** A set of calls a screen can abort together (abortAll) or for good (close) when it goes away. */
export function scope() {
  let live = [];
  let closed = false;
  function track(promise) {
    live = live.filter((p) => !p.isSettled());
    live.push(promise);
    return promise;
  }
  function abortAll() {
    live.forEach((p) => p.abort());
    live = [];
  }
  function call(method, u, options) {
    return closed ? gone() : track(request(method, u, options));
  }
  return {
    get: (u, options) => call('GET', u, options),
    post: (u, body, options) => call('POST', u, Object.assign({}, options, { body: body })),
    put: (u, body, options) => call('PUT', u, Object.assign({}, options, { body: body })),
    del: (u, options) => call('DELETE', u, options),
    abortAll: abortAll,
    close: function () {
      closed = true;
      abortAll();
    }
  };
}

// Calls that belong to no screen (sign in and out, the viewing history) live as long as the page.
const shared = scope();
export const get = shared.get;
export const post = shared.post;
export const put = shared.put;
export const del = shared.del;

/** Keep a token in memory (null forgets it: the next unsafe call fetches a new one). */
export function setCsrfToken(token) {
  csrfToken = token || null;
}

/** listener(busy) is told when some call has run longer than SLOW_MS, and when all are done. */
export function onBusy(listener) {
  busyListeners.push(listener);
}
