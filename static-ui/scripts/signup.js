/*
 * Sign up: username availability checked as you type, password rules shown
 * live, server field errors next to their fields, then an automatic sign in.
 */
(function (window) {
  'use strict';

  var Shop = (window.Shop = window.Shop || {});
  Shop.screens = Shop.screens || {};
  var h = function () {
    return Shop.dom.h.apply(null, arguments);
  };

  var DEBOUNCE_MS = 250;
  var PASSWORD_MIN = 8;
  var PASSWORD_MAX = 128;

  /** Mount on section.signup. */
  function Signup(el, params, calls) {
    var dom = Shop.dom;
    var form = h('form', { id: 'signup-form', class: 'form', novalidate: true }, [
      dom.field({
        id: 'signup-username',
        name: 'username',
        label: 'Username',
        attrs: { autocomplete: 'username', required: true, maxlength: 64, autocapitalize: 'none', spellcheck: 'false' }
      }),
      dom.field({
        id: 'signup-password',
        name: 'password',
        label: 'Password',
        type: 'password',
        attrs: { autocomplete: 'new-password', required: true, maxlength: PASSWORD_MAX }
      }),
      h('button', { type: 'submit', id: 'signup-submit' }, 'Create account')
    ]);
    var username = form.querySelector('#signup-username');
    var password = form.querySelector('#signup-password');
    var submit = form.querySelector('#signup-submit');

    // availability sits next to the username field, announced politely
    var usernameStatus = h('p', { id: 'signup-username-status', class: 'availability', 'aria-live': 'polite' });
    username.parentNode.insertBefore(usernameStatus, username.nextSibling);
    username.setAttribute('aria-describedby', 'signup-username-status signup-username-error');

    var rule = h('li', { id: 'signup-password-length', 'data-met': 'false' });
    var rules = h('ul', { id: 'signup-password-rules', class: 'rules', 'aria-live': 'polite' }, [rule]);
    password.parentNode.insertBefore(rules, password.nextSibling);
    password.setAttribute('aria-describedby', 'signup-password-rules signup-password-error');

    Shop.dom.replace(el, [
      h('h1', {}, 'Sign up'),
      form,
      h('p', {}, ['Already have an account? ', h('a', { href: '#/signin' }, 'Sign in')])
    ]);

    var seq = 0;
    var checking = null;

    function setAvailability(state, text) {
      usernameStatus.setAttribute('data-state', state);
      usernameStatus.textContent = text;
    }

    var checkAvailability = dom.debounce(function () {
      var name = username.value.trim();
      var mine = ++seq;
      if (checking) {
        checking.abort();
      }
      if (!name) {
        setAvailability('', '');
        return;
      }
      setAvailability('checking', 'Checking…');
      checking = calls.get(Shop.xhr.url('/api/catalog/users/availability', { username: name }), { quiet: true });
      checking.then(
        function (data) {
          if (mine !== seq) {
            return;
          }
          if (data.available) {
            setAvailability('available', '“' + name + '” is available.');
          } else {
            setAvailability('taken', data.reason || '“' + name + '” is taken.');
          }
        },
        function (error) {
          if (mine === seq) {
            setAvailability('error', error.status === 422 && error.fields && error.fields.username ? error.fields.username : 'Could not check: ' + error.message);
          }
        }
      );
    }, DEBOUNCE_MS);

    function updateRules() {
      var length = password.value.length;
      var met = length >= PASSWORD_MIN && length <= PASSWORD_MAX;
      var rangeText = PASSWORD_MIN + '–' + PASSWORD_MAX + ' characters';
      if (!length) {
        rule.setAttribute('data-met', 'pending');
        rule.textContent = 'Password: ' + rangeText + '.';
        return false;
      }
      rule.setAttribute('data-met', met ? 'true' : 'false');
      rule.textContent = (met ? '✓ ' : '✗ ') + rangeText + ' (now ' + length + ')';
      return met;
    }

    username.addEventListener('input', function () {
      dom.setFieldError(form, 'username', '');
      checkAvailability();
    });
    password.addEventListener('input', function () {
      dom.setFieldError(form, 'password', '');
      updateRules();
    });
    updateRules();

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      dom.clearFieldErrors(form);
      Shop.status.clear();
      var name = username.value.trim();
      var ok = true;
      if (!name) {
        dom.setFieldError(form, 'username', 'Choose a username.');
        ok = false;
      }
      if (!updateRules()) {
        dom.setFieldError(form, 'password', 'The password must be ' + PASSWORD_MIN + '–' + PASSWORD_MAX + ' characters long.');
        ok = false;
      }
      if (!ok) {
        form.querySelector('[aria-invalid="true"]').focus();
        return;
      }
      dom.setBusy(submit, true);
      calls.post('/api/catalog/users', { username: name, password: password.value }).then(
        function () {
          return Shop.session.signIn(name, password.value, false).then(
            function () {
              Shop.status.show('Welcome, ' + name + '! Your account is ready.', 'success', true);
              window.location.hash = '#/my-goods';
            },
            function () {
              // the account exists; let the person sign in by hand (e.g. after a 429)
              Shop.status.show('Your account is ready. Please sign in.', 'success', true);
              window.location.hash = Shop.xhr.url('#/signin', { username: name });
            }
          );
        },
        function (error) {
          dom.setBusy(submit, false);
          dom.showFormError(form, error, 'username');
          if (error.status === 409) {
            setAvailability('taken', '“' + name + '” is taken.');
          }
        }
      );
    });

    username.focus();
  }

  Shop.screens.signup = { title: 'Sign up', mount: Signup };
})(window);
