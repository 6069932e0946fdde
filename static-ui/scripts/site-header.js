/*
 * The header's navigation: shows the signed-in user or the sign-in links, and
 * the sign out button.
 */
(function (window) {
  'use strict';

  var Shop = (window.Shop = window.Shop || {});

  /** Mount on .site-nav. */
  function SiteHeader(el) {
    var currentUser = el.querySelector('#current-user');
    var signOut = el.querySelector('#sign-out');

    function update(user) {
      Array.prototype.forEach.call(el.querySelectorAll('[data-when]'), function (item) {
        var when = item.getAttribute('data-when');
        item.hidden = when === 'signed-in' ? !user : !!user;
      });
      currentUser.textContent = user ? 'Signed in as ' + user.username : '';
    }

    signOut.addEventListener('click', function () {
      Shop.dom.setBusy(signOut, true);
      Shop.session.signOut().then(
        function () {
          Shop.dom.setBusy(signOut, false);
          Shop.status.show('You are signed out.', 'success');
        },
        function (error) {
          Shop.dom.setBusy(signOut, false);
          Shop.status.error(error);
        }
      );
    });

    Shop.session.onChange(update);
    update(Shop.session.user());
  }

  Shop.SiteHeader = SiteHeader;
})(window);
