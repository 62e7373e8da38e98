// The dashboard works without this script; it adds two things: times in
// the viewer's zone, and an at-risk list that keeps itself up to date.
(function () {
  "use strict";
  var full = new Intl.DateTimeFormat(undefined, {weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short"});
  var clock = new Intl.DateTimeFormat(undefined, {hour: "2-digit", minute: "2-digit", second: "2-digit"});
  var zone = document.getElementById("zone");
  if (zone) zone.textContent = Intl.DateTimeFormat().resolvedOptions().timeZone;

  function localize(root) {
    root.querySelectorAll("time[datetime]").forEach(function (t) {
      t.title = t.dateTime;
      t.textContent = (t.closest("#at-risk-status") ? clock : full).format(new Date(t.dateTime));
    });
  }
  localize(document);

  var table = document.getElementById("at-risk");
  if (!table) return;
  var body = table.tBodies[0];
  var status = document.getElementById("at-risk-status");
  var skew = 0; // server clock minus ours, from the last answer

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function left(s) {
    var p = s < 0 ? "overdue " : "";
    s = Math.abs(s);
    if (s >= 86400) return p + Math.floor(s / 86400) + "d " + Math.floor(s % 86400 / 3600) + "h";
    if (s >= 3600) return p + Math.floor(s / 3600) + "h " + pad(Math.floor(s % 3600 / 60)) + "m";
    return p + Math.floor(s / 60) + "m " + pad(s % 60) + "s";
  }
  function stateOf(now, due, warn) {
    if (now >= due) return "breached";
    if (warn && now >= warn) return "at_risk";
    return "on_track";
  }
  var names = {on_track: "on track", at_risk: "at risk", breached: "breached"};
  function cell(tr, text, cls) {
    var td = tr.insertCell();
    if (text instanceof Node) td.appendChild(text); else td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }
  function href(it) {
    if (it.ticket_url) return it.ticket_url;
    return "tickets/" + encodeURIComponent(it.source) + "/" + it.ticket_id.split("/").map(encodeURIComponent).join("/");
  }
  function row(it) {
    var tr = document.createElement("tr");
    tr.dataset.due = it.due_at;
    if (it.warning_at) tr.dataset.warn = it.warning_at;
    var badge = document.createElement("span");
    badge.className = "state";
    cell(tr, badge);
    var a = document.createElement("a");
    a.href = href(it);
    a.textContent = it.source + " " + it.ticket_id;
    cell(tr, a);
    cell(tr, it.team);
    cell(tr, it.policy);
    cell(tr, it.metric + (it.cycle ? " #" + it.cycle : ""));
    var t = document.createElement("time");
    t.dateTime = it.due_at;
    cell(tr, t);
    cell(tr, "", "left");
    return tr;
  }
  // tick brings each row's state and time left to now, between updates.
  function tick() {
    var now = Date.now() + skew;
    Array.prototype.forEach.call(body.rows, function (tr) {
      if (!tr.dataset.due) return;
      var due = Date.parse(tr.dataset.due), warn = tr.dataset.warn ? Date.parse(tr.dataset.warn) : 0;
      var st = stateOf(now, due, warn);
      tr.className = st;
      tr.cells[0].firstChild.textContent = names[st];
      tr.cells[6].textContent = left(Math.floor((due - now) / 1000));
    });
  }
  function render(list) {
    var rows = document.createDocumentFragment();
    list.tickets.forEach(function (it) { rows.appendChild(row(it)); });
    if (!list.tickets.length) {
      var tr = document.createElement("tr");
      tr.className = "none";
      var td = cell(tr, "No running clocks.");
      td.colSpan = 7;
      rows.appendChild(tr);
    }
    body.replaceChildren(rows);
    localize(body);
    tick();
  }
  function update() {
    fetch(table.dataset.src, {headers: {Accept: "application/json"}, credentials: "same-origin", cache: "no-store"})
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (list) {
        skew = Date.parse(list.now) - Date.now();
        render(list);
        status.textContent = "live, updated " + clock.format(new Date());
        status.classList.remove("failed");
      })
      .catch(function (err) {
        status.textContent = "live update failed (" + err.message + "); retrying";
        status.classList.add("failed");
      });
  }
  tick();
  setInterval(tick, 1000);
  setInterval(update, 1000 * (parseInt(table.dataset.refresh, 10) || 15));
})();
