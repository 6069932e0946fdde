/*
 * Sign in, with "remember me": the remembered username is prefilled and can be
 * forgotten.
 */

import { clearFieldErrors, field, focusFirstInvalid, h, replace, setBusy, setFieldError, showFormError } from './dom.js';
import * as session from './session.js';
import * as status from './status.js';

const REMEMBERED = '/api/session/remembered';

export const title = 'Sign in';

/** Only follow in-app hashes after sign in, never another site. */
function safeNext(next) {
  return typeof next === 'string' && /^#\/[^/]/.test(next) && next.indexOf('#/signin') !== 0 && next.indexOf('#/signup') !== 0
    ? next
    : '#/my-goods';
}

/** Mount on section.signin; params.username prefills, params.next is where to go after. */
export function mount(el, params, calls) {
  const forget = h('button', { type: 'button', id: 'forget-me', class: 'link-button' }, 'Forget me');
  const remembered = h('p', { id: 'signin-remembered', class: 'hint' });
  const rememberedRow = h('div', { class: 'remembered', hidden: true }, [remembered, forget]);
  const form = h('form', { id: 'signin-form', class: 'form', novalidate: true }, [
    field({
      id: 'signin-username',
      name: 'username',
      label: 'Username',
      attrs: { autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' }
    }),
    rememberedRow,
    field({
      id: 'signin-password',
      name: 'password',
      label: 'Password',
      type: 'password',
      attrs: { autocomplete: 'current-password', required: true }
    }),
    h('div', { class: 'checkbox' }, [
      h('input', { type: 'checkbox', id: 'signin-remember', name: 'remember' }),
      h('label', { for: 'signin-remember' }, 'Remember me on this device')
    ]),
    h('p', { id: 'signin-error', class: 'form-error', role: 'alert' }),
    h('button', { type: 'submit', id: 'signin-submit' }, 'Sign in')
  ]);
  const username = form.querySelector('#signin-username');
  const password = form.querySelector('#signin-password');
  const remember = form.querySelector('#signin-remember');
  const formError = form.querySelector('#signin-error');
  const submit = form.querySelector('#signin-submit');

  replace(el, [h('h1', {}, 'Sign in'), form, h('p', {}, ['No account yet? ', h('a', { href: '#/signup' }, 'Sign up')])]);

  if (session.current()) {
    formError.textContent = 'You are already signed in as ' + session.current().username + '.';
  }

  username.value = params.username || '';
  (username.value ? password : username).focus();

  calls.get(REMEMBERED, { quiet: true }).then(
    (data) => {
      if (data && data.username) {
        if (!username.value) {
          username.value = data.username;
          password.focus();
        }
        remember.checked = true;
        remembered.textContent = 'Remembered on this device: ' + data.username + '.';
        rememberedRow.hidden = false;
      }
    },
    () => {
      // prefilling is a convenience; the form works without it
    }
  );

  forget.addEventListener('click', () => {
    setBusy(forget, true);
    calls.del(REMEMBERED).then(
      () => {
        setBusy(forget, false);
        rememberedRow.hidden = true;
        remember.checked = false;
        username.value = '';
        username.focus();
        status.show('This device no longer remembers your username.', 'success');
      },
      (error) => {
        setBusy(forget, false);
        status.error(error);
      }
    );
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    formError.textContent = '';
    status.clear();
    let ok = true;
    if (!username.value.trim()) {
      setFieldError(form, 'username', 'Enter your username.');
      ok = false;
    }
    if (!password.value) {
      setFieldError(form, 'password', 'Enter your password.');
      ok = false;
    }
    if (!ok) {
      focusFirstInvalid(form);
      return;
    }
    setBusy(submit, true);
    session.signIn(username.value.trim(), password.value, remember.checked).then(
      (user) => {
        password.value = '';
        status.show('Signed in as ' + user.username + '.', 'success', true);
        window.location.hash = safeNext(params.next);
      },
      (error) => {
        setBusy(submit, false);
        password.value = '';
        if (error.status === 401) {
          formError.textContent = error.serverMessage || 'Wrong username or password.';
          password.focus();
        } else if (error.status === 429) {
          formError.textContent = 'Too many attempts, wait a minute and try again.';
        } else if (error.fields) {
          showFormError(form, error);
        } else {
          formError.textContent = error.message;
        }
      }
    );
  });
}
