// Care-team dashboard: two small jobs, no framework, no build step (strict CSP: this file only).
// 1. Tell the server the browser's time zone (cookie), so times show in the clinician's zone.
// 2. Refresh the worklist's live region every 30 s from an HTML fragment endpoint, so a new flag
//    shows within a minute without a full reload. A refresh is skipped while the clinician is
//    typing or choosing inside the region, so a half-written resolution note is never lost.
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
      if (response.redirected || !response.ok) throw new Error("status " + response.status);
      return response.text();
    }).then(function (html) {
      if (busy(region)) return;
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

  document.addEventListener("DOMContentLoaded", function () {
    var region = document.getElementById("worklist-live");
    var status = document.getElementById("live-status");
    if (!region || !status) return;
    var every = parseInt(region.getAttribute("data-refresh-ms"), 10) || 30000;
    window.setInterval(function () { refresh(region, status); }, every);
  });
})();
