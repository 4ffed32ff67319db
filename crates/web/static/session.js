// Inactivity warning: shows the dialog shortly before the server ends an idle session, lets
// the person stay logged in, and takes the browser to the logged-out page when time is up.
// Without JavaScript the server still ends the session; this only gives fair warning.
(function () {
  'use strict';
  var dialog = document.getElementById('session-warning');
  if (!dialog || typeof dialog.showModal !== 'function') { return; }
  var idleMs = Number(dialog.getAttribute('data-idle-seconds')) * 1000;
  var warningMs = Number(dialog.getAttribute('data-warning-seconds')) * 1000;
  var expiredUrl = dialog.getAttribute('data-expired-url');
  var warnTimer = null;
  var expireTimer = null;

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(expireTimer);
    warnTimer = setTimeout(function () { if (!dialog.open) { dialog.showModal(); } }, Math.max(0, idleMs - warningMs));
    expireTimer = setTimeout(function () { window.location.assign(expiredUrl); }, idleMs);
  }

  var extendForm = dialog.querySelector('form[data-extend-session]');
  if (extendForm) {
    extendForm.addEventListener('submit', function (event) {
      event.preventDefault();
      fetch(extendForm.action, {
        method: 'POST',
        credentials: 'same-origin',
        body: new URLSearchParams(new FormData(extendForm))
      }).then(function (response) {
        if (response.ok) { dialog.close(); schedule(); } else { window.location.assign(expiredUrl); }
      }, function () { window.location.assign(expiredUrl); });
    });
  }
  schedule();
})();
