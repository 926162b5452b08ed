// Care-team dashboard: two small jobs, no framework, no build step (strict CSP: this file only).
// 1. Tell the server the browser's time zone (cookie), so times show in the clinician's zone.
// 2. Refresh the worklist's live region every 30 s from an HTML fragment endpoint, so a new flag
//    shows within a minute without a full reload. A refresh is skipped while the clinician is
//    typing or choosing inside the region, so a half-written resolution note is never lost.
// 3. Idle logoff warning. The server ends a session after N minutes without user action (the
//    refresh above does not count). A minute before, a dialog offers "Stay signed in"; typing or
//    clicking on the page since the last server contact counts as action and renews silently.
(function () {
  "use strict";

  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) {
      document.cookie = "dashboard_tz=" + encodeURIComponent(zone) +
        "; path=/dashboard/; max-age=31536000; samesite=lax" +
        (location.protocol === "https:" ? "; secure" : "");
    }
  } catch (e) { /* no Intl: the server falls back to UTC */ }

  function busy(region) {
    var active = document.activeElement;
    if (active && region.contains(active) && active !== document.body) return true;
    var open = region.querySelectorAll("details[open]");
    return open.length > 0;
  }

  function refresh(region, status) {
    if (document.hidden || busy(region)) return;
    fetch(region.getAttribute("data-live-url"), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      // Signed out (idle or maximum age): reload, and the server shows the sign-in page.
      if (response.status === 401) { window.location.reload(); return ""; }
      if (response.redirected || !response.ok) throw new Error("status " + response.status);
      return response.text();
    }).then(function (html) {
      if (!html || busy(region)) return;
      var before = region.querySelectorAll("[data-flag-id]").length;
      region.innerHTML = html;
      var after = region.querySelectorAll("[data-flag-id]").length;
      var time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      var change = after > before ? " " + (after - before) + " new flag(s)." : "";
      status.textContent = "Updated at " + time + "." + change;
    }).catch(function () {
      status.textContent = "Could not update the worklist; it will try again shortly.";
    });
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function idleWarning(dialog) {
    var idleMs = (parseInt(dialog.getAttribute("data-idle-seconds"), 10) || 900) * 1000;
    var warnMs = (parseInt(dialog.getAttribute("data-warn-seconds"), 10) || 60) * 1000;
    var countdown = dialog.querySelector("[data-idle-countdown]");
    var stay = dialog.querySelector("[data-idle-stay]");
    var lastServer = Date.now();   // this page load was an action the server counted
    var lastLocal = 0;             // typing or clicking since then (not yet told to the server)
    var previousFocus = null;

    function renew() {
      return fetch(dialog.getAttribute("data-keepalive-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
      }).then(function (response) {
        if (!response.ok) { window.location.reload(); return; }
        lastServer = Date.now();
        lastLocal = 0;
        hide();
      });
    }

    function show() {
      if (!dialog.hidden) return;
      previousFocus = document.activeElement;
      dialog.hidden = false;
      stay.focus();
    }

    function hide() {
      if (dialog.hidden) return;
      dialog.hidden = true;
      if (previousFocus && previousFocus.focus) previousFocus.focus();
    }

    ["keydown", "pointerdown"].forEach(function (kind) {
      document.addEventListener(kind, function (event) {
        if (!dialog.contains(event.target)) lastLocal = Date.now();
      }, true);
    });
    stay.addEventListener("click", function () { renew(); });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); renew(); }
      if (event.key === "Tab") { event.preventDefault(); stay.focus(); }  // focus stays inside
    });

    window.setInterval(function () {
      var left = lastServer + idleMs - Date.now();
      if (left <= 0) { window.location.reload(); return; }
      if (left > warnMs) return;
      if (lastLocal > lastServer) { renew(); return; }  // they were working on this page
      countdown.textContent = String(Math.ceil(left / 1000));
      show();
    }, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var dialog = document.getElementById("idle-warning");
    if (dialog) idleWarning(dialog);
    var region = document.getElementById("worklist-live");
    var status = document.getElementById("live-status");
    if (!region || !status) return;
    var every = parseInt(region.getAttribute("data-refresh-ms"), 10) || 30000;
    window.setInterval(function () { refresh(region, status); }, every);
  });
})();
