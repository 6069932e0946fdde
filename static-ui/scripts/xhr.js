/*
 * The one module through which every server call goes.
 *
 * Shop.xhr.get(url) / post(url, body) / put(url, body) / del(url) return a Promise
 * with an extra abort() method. An aborted call never settles, so a screen that
 * aborts its calls never sees a stale answer. Failures reject with one shape:
 * {status, code, message, requestId, fields}; `message` is ready to show a person.
 */
(function (window) {
  'use strict';

  var Shop = (window.Shop = window.Shop || {});

  var TIMEOUT_MS = 10000;
  var SLOW_MS = 300;
  var UNSAFE = { POST: true, PUT: true, PATCH: true, DELETE: true };
  var CSRF_URL = '/api/session/csrf';

  var csrfToken = null;
  var csrfPending = null;
  var inFlight = 0;
  var slowTimer = null;
  var busyListeners = [];

  /** Return a new XMLHttpRequest (ActiveX on very old Internet Explorer). */
  function createXhr() {
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
      // nginx answers some errors (502, 504) with HTML; the status still tells us enough
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
    var body = parseJson(xhr);
    var e = (body && body.error) || {};
    var requestId = e.request_id || responseHeader(xhr, 'X-Request-ID');
    var code = e.code || (xhr.status === 0 ? 'offline' : 'http_' + xhr.status);
    return makeError(xhr.status, code, e.message, requestId, e.fields);
  }

  /** One XMLHttpRequest round trip; calls done(error, data) once, unless aborted. */
  function send(method, url, body, done) {
    var xhr = createXhr();
    var finished = false;
    var timer = null;

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
      if (xhr.readyState == 4) {
        if (finished) {
          return; // aborted or timed out: the caller has moved on
        }
        finished = true;
        clearTimeout(timer);
        if (xhr.status >= 200 && xhr.status < 300) {
          var data = parseJson(xhr);
          if (data && typeof data.csrf_token === 'string') {
            csrfToken = data.csrf_token; // login, /me and /csrf answers carry the session's token
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
      csrfPending = new Promise(function (resolve, reject) {
        send('GET', CSRF_URL, undefined, function (error, data) {
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
      slowTimer = setTimeout(function () {
        notifyBusy(true);
      }, SLOW_MS);
    } else if (inFlight === 0) {
      clearTimeout(slowTimer);
      slowTimer = null;
      notifyBusy(false);
    }
  }

  function notifyBusy(busy) {
    busyListeners.forEach(function (listener) {
      listener(busy);
    });
  }

  /**
   * Send one call. options: {body, quiet}. quiet calls (typing suggestions) do not
   * show the loading indicator. Returns a Promise with abort().
   */
  function request(method, url, options) {
    options = options || {};
    var current = null;
    var aborted = false;
    var settled = false;
    var retried = false;

    function finish() {
      if (!settled) {
        settled = true;
        if (!options.quiet) {
          setBusy(-1);
        }
      }
    }

    var promise = new Promise(function (resolve, reject) {
      if (!options.quiet) {
        setBusy(+1);
      }

      function attempt() {
        var ready = UNSAFE[method] ? ensureCsrf() : Promise.resolve();
        ready.then(
          function () {
            if (aborted) {
              return;
            }
            current = send(method, url, options.body, function (error, data) {
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
          function (error) {
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
    promise.isSettled = function () {
      return settled;
    };
    return promise;
  }

  /** Build a URL with query parameters, leaving out empty ones. */
  function url(path, params) {
    var parts = [];
    Object.keys(params || {}).forEach(function (key) {
      var value = params[key];
      if (value !== undefined && value !== null && value !== '') {
        parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(value));
      }
    });
    return parts.length ? path + '?' + parts.join('&') : path;
  }

  /** What a closed scope answers: a call that is never sent and never settles. */
  function gone() {
    var promise = new Promise(function () {});
    promise.abort = function () {};
    promise.isSettled = function () {
      return true;
    };
    return promise;
  }

  /** A set of calls a screen can abort together (abortAll) or for good (close) when it goes away. */
  function scope() {
    var live = [];
    var closed = false;
    function track(promise) {
      live = live.filter(function (p) {
        return !p.isSettled();
      });
      live.push(promise);
      return promise;
    }
    return {
      get: function (u, options) {
        return closed ? gone() : track(request('GET', u, options));
      },
      post: function (u, body, options) {
        return closed ? gone() : track(request('POST', u, Object.assign({}, options, { body: body })));
      },
      put: function (u, body, options) {
        return closed ? gone() : track(request('PUT', u, Object.assign({}, options, { body: body })));
      },
      del: function (u, options) {
        return closed ? gone() : track(request('DELETE', u, options));
      },
      abortAll: function () {
        live.forEach(function (p) {
          p.abort();
        });
        live = [];
      },
      close: function () {
        closed = true;
        this.abortAll();
      }
    };
  }

  var shared = scope();

  Shop.xhr = {
    createXhr: createXhr,
    request: request,
    get: shared.get,
    post: shared.post,
    put: shared.put,
    del: shared.del,
    scope: scope,
    url: url,
    setCsrfToken: function (token) {
      csrfToken = token || null;
    },
    refreshCsrf: function () {
      csrfToken = null;
      return ensureCsrf();
    },
    onBusy: function (listener) {
      busyListeners.push(listener);
    }
  };
})(window);
