/*
 * Sign up: username availability checked as you type, password rules shown
 * live, server field errors next to their fields, then an automatic sign in.
 */

import { clearFieldErrors, debounce, field, focusFirstInvalid, h, replace, setBusy, setFieldError, showFormError } from './dom.js';
import * as session from './session.js';
import * as status from './status.js';
import * as xhr from './xhr.js';

const DEBOUNCE_MS = 250;
const PASSWORD_MIN = 8;
const PASSWORD_MAX = 128;

export const title = 'Sign up';

/** Mount on section.signup. */
export function mount(el, params, calls) {
  const form = h('form', { id: 'signup-form', class: 'form', novalidate: true }, [
    field({
      id: 'signup-username',
      name: 'username',
      label: 'Username',
      attrs: { autocomplete: 'username', required: true, maxlength: 64, autocapitalize: 'none', spellcheck: 'false' }
    }),
    field({
      id: 'signup-password',
      name: 'password',
      label: 'Password',
      type: 'password',
      attrs: { autocomplete: 'new-password', required: true, maxlength: PASSWORD_MAX }
    }),
    h('button', { type: 'submit', id: 'signup-submit' }, 'Create account')
  ]);
  const username = form.querySelector('#signup-username');
  const password = form.querySelector('#signup-password');
  const submit = form.querySelector('#signup-submit');

  // availability sits next to the username field, announced politely
  const usernameStatus = h('p', { id: 'signup-username-status', class: 'availability', 'aria-live': 'polite' });
  username.parentNode.insertBefore(usernameStatus, username.nextSibling);
  username.setAttribute('aria-describedby', 'signup-username-status signup-username-error');

  const rule = h('li', { id: 'signup-password-length', 'data-met': 'false' });
  const rules = h('ul', { id: 'signup-password-rules', class: 'rules', 'aria-live': 'polite' }, [rule]);
  password.parentNode.insertBefore(rules, password.nextSibling);
  password.setAttribute('aria-describedby', 'signup-password-rules signup-password-error');

  replace(el, [h('h1', {}, 'Sign up'), form, h('p', {}, ['Already have an account? ', h('a', { href: '#/signin' }, 'Sign in')])]);

  let seq = 0;
  let checking = null;

  function setAvailability(state, text) {
    usernameStatus.setAttribute('data-state', state);
    usernameStatus.textContent = text;
  }

  const checkAvailability = debounce(() => {
    const name = username.value.trim();
    const mine = ++seq;
    if (checking) {
      checking.abort();
    }
    if (!name) {
      setAvailability('', '');
      return;
    }
    setAvailability('checking', 'Checking…');
    checking = calls.get(xhr.url('/api/catalog/users/availability', { username: name }), { quiet: true });
    checking.then(
      (data) => {
        if (mine !== seq) {
          return;
        }
        if (data.available) {
          setAvailability('available', '“' + name + '” is available.');
        } else {
          setAvailability('taken', data.reason || '“' + name + '” is taken.');
        }
      },
      (error) => {
        if (mine === seq) {
          const invalid = error.status === 422 && error.fields && error.fields.username;
          setAvailability('error', invalid ? error.fields.username : 'Could not check: ' + error.message);
        }
      }
    );
  }, DEBOUNCE_MS);

  function updateRules() {
    const length = password.value.length;
    const met = length >= PASSWORD_MIN && length <= PASSWORD_MAX;
    const rangeText = PASSWORD_MIN + '–' + PASSWORD_MAX + ' characters';
    if (!length) {
      rule.setAttribute('data-met', 'pending');
      rule.textContent = 'Password: ' + rangeText + '.';
      return false;
    }
    rule.setAttribute('data-met', met ? 'true' : 'false');
    rule.textContent = (met ? '✓ ' : '✗ ') + rangeText + ' (now ' + length + ')';
    return met;
  }

  username.addEventListener('input', () => {
    setFieldError(form, 'username', '');
    checkAvailability();
  });
  password.addEventListener('input', () => {
    setFieldError(form, 'password', '');
    updateRules();
  });
  updateRules();

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    status.clear();
    const name = username.value.trim();
    let ok = true;
    if (!name) {
      setFieldError(form, 'username', 'Choose a username.');
      ok = false;
    }
    if (!updateRules()) {
      setFieldError(form, 'password', 'The password must be ' + PASSWORD_MIN + '–' + PASSWORD_MAX + ' characters long.');
      ok = false;
    }
    if (!ok) {
      focusFirstInvalid(form);
      return;
    }
    setBusy(submit, true);
    calls.post('/api/catalog/users', { username: name, password: password.value }).then(
      () =>
        session.signIn(name, password.value, false).then(
          () => {
            status.show('Welcome, ' + name + '! Your account is ready.', 'success', true);
            window.location.hash = '#/my-goods';
          },
          () => {
            // the account exists; let the person sign in by hand (e.g. after a 429)
            status.show('Your account is ready. Please sign in.', 'success', true);
            window.location.hash = xhr.url('#/signin', { username: name });
          }
        ),
      (error) => {
        setBusy(submit, false);
        showFormError(form, error, 'username');
        if (error.status === 409) {
          setAvailability('taken', '“' + name + '” is taken.');
        }
      }
    );
  });

  username.focus();
}
