/*
 * Sign in, with "remember me": the remembered username is prefilled and can be
 * forgotten.
 */
(function (window) {
  'use strict';

  var Shop = (window.Shop = window.Shop || {});
  Shop.screens = Shop.screens || {};
  var h = function () {
    return Shop.dom.h.apply(null, arguments);
  };

  var REMEMBERED = '/api/session/remembered';

  /** Only follow in-app hashes after sign in, never another site. */
  function safeNext(next) {
    return typeof next === 'string' && /^#\/[^/]/.test(next) && next.indexOf('#/signin') !== 0 && next.indexOf('#/signup') !== 0
      ? next
      : '#/my-goods';
  }

  /** Mount on section.signin; params.username prefills, params.next is where to go after. */
  function Signin(el, params, calls) {
    var dom = Shop.dom;
    var forget = h('button', { type: 'button', id: 'forget-me', class: 'link-button' }, 'Forget me');
    var remembered = h('p', { id: 'signin-remembered', class: 'hint' });
    var rememberedRow = h('div', { class: 'remembered', hidden: true }, [remembered, forget]);
    var form = h('form', { id: 'signin-form', class: 'form', novalidate: true }, [
      dom.field({
        id: 'signin-username',
        name: 'username',
        label: 'Username',
        attrs: { autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' }
      }),
      rememberedRow,
      dom.field({
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
    var username = form.querySelector('#signin-username');
    var password = form.querySelector('#signin-password');
    var remember = form.querySelector('#signin-remember');
    var formError = form.querySelector('#signin-error');
    var submit = form.querySelector('#signin-submit');

    dom.replace(el, [
      h('h1', {}, 'Sign in'),
      form,
      h('p', {}, ['No account yet? ', h('a', { href: '#/signup' }, 'Sign up')])
    ]);

    if (Shop.session.user()) {
      formError.textContent = 'You are already signed in as ' + Shop.session.user().username + '.';
    }

    username.value = params.username || '';
    (username.value ? password : username).focus();

    calls.get(REMEMBERED, { quiet: true }).then(
      function (data) {
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
      function () {
        // prefilling is a convenience; the form works without it
      }
    );

    forget.addEventListener('click', function () {
      dom.setBusy(forget, true);
      calls.del(REMEMBERED).then(
        function () {
          dom.setBusy(forget, false);
          rememberedRow.hidden = true;
          remember.checked = false;
          username.value = '';
          username.focus();
          Shop.status.show('This device no longer remembers your username.', 'success');
        },
        function (error) {
          dom.setBusy(forget, false);
          Shop.status.error(error);
        }
      );
    });

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      dom.clearFieldErrors(form);
      formError.textContent = '';
      Shop.status.clear();
      var ok = true;
      if (!username.value.trim()) {
        dom.setFieldError(form, 'username', 'Enter your username.');
        ok = false;
      }
      if (!password.value) {
        dom.setFieldError(form, 'password', 'Enter your password.');
        ok = false;
      }
      if (!ok) {
        form.querySelector('[aria-invalid="true"]').focus();
        return;
      }
      dom.setBusy(submit, true);
      Shop.session.signIn(username.value.trim(), password.value, remember.checked).then(
        function (user) {
          password.value = '';
          Shop.status.show('Signed in as ' + user.username + '.', 'success', true);
          window.location.hash = safeNext(params.next);
        },
        function (error) {
          dom.setBusy(submit, false);
          password.value = '';
          if (error.status === 401) {
            formError.textContent = error.serverMessage || 'Wrong username or password.';
            password.focus();
          } else if (error.status === 429) {
            formError.textContent = 'Too many attempts, wait a minute and try again.';
          } else if (error.fields) {
            dom.showFormError(form, error);
          } else {
            formError.textContent = error.message;
          }
        }
      );
    });
  }

  Shop.screens.signin = { title: 'Sign in', mount: Signin };
})(window);
