/* MedReg — small progressive enhancements. Every page works without this file.
   - "Copy" buttons: <button type="button" data-copy-target="ELEMENT_ID"> copies that element's value/text.
   - htmx requests carry the CSRF token (also set with hx-headers on <body>; this covers swapped-in
     content that sits outside <body>'s inheritance, e.g. hx-boost-less forms).
*/
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) return meta.content;
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  document.addEventListener("htmx:configRequest", function (evt) {
    var token = csrfToken();
    if (token && !evt.detail.headers["X-CSRFToken"]) evt.detail.headers["X-CSRFToken"] = token;
  });

  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest ? evt.target.closest("[data-copy-target]") : null;
    if (!btn) return;
    var el = document.getElementById(btn.getAttribute("data-copy-target"));
    if (!el) return;
    var text = "value" in el ? el.value : el.textContent;
    var done = function () {
      var status = document.getElementById(btn.getAttribute("aria-describedby") || "");
      var label = btn.getAttribute("data-copied-label");
      if (status && label) status.textContent = label;
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        el.select && el.select();
      });
    } else if (el.select) {
      el.focus();
      el.select();
      try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
    }
  });
})();
