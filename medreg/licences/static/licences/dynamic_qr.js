/* The holder's dynamic QR (亮证): fetch a fresh short-lived signed code every DYNAMIC_QR_SECONDS. */
(function () {
  "use strict";
  function init() {
    var box = document.getElementById("dynamic-qr");
    if (!box) return;
    var url = box.getAttribute("data-url");
    var refresh = parseInt(box.getAttribute("data-refresh"), 10) || 30;
    var expires = Date.parse(box.getAttribute("data-expires"));
    var countdown = document.getElementById("dynamic-qr-countdown");
    async function reload() {
      try {
        var resp = await fetch(url, { cache: "no-store", credentials: "same-origin" });
        if (!resp.ok) return;
        var body = await resp.json();
        document.getElementById("dynamic-qr-image").innerHTML = body.svg;
        document.getElementById("dynamic-qr-payload").value = body.qr;
        expires = Date.parse(body.expires_at);
        box.setAttribute("data-expires", body.expires_at);
        box.setAttribute("data-generation", String((parseInt(box.getAttribute("data-generation") || "0", 10)) + 1));
      } catch (e) { /* offline: keep the countdown running; the code expires */ }
    }
    setInterval(function () {
      var left = Math.max(0, Math.round((expires - Date.now()) / 1000));
      countdown.textContent = String(left);
      if (left <= 1) reload();
    }, 1000);
    window.MedRegDynamicQR = { reload: reload, refresh: refresh };
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
