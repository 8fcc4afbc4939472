// Live updates without reloading: short polling of the inbox's JSON API (same session cookie).
// Text goes into the page through textContent only, never as HTML.
(function () {
  "use strict";
  var POLL_MS = 1500;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (r.status === 401) { window.location.href = "/inbox/login?next=" + encodeURIComponent(location.pathname + location.search); }
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function messageItem(m) {
    var li = el("li", "msg " + m.direction + " author-" + m.author);
    li.dataset.id = m.id;
    var meta = el("div", "meta");
    var who = el("span", "who");
    who.appendChild(el("bdi", null, m.author_name));
    meta.appendChild(who);
    meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(el("time", null, m.time));
    if (m.status === "held") meta.appendChild(el("span", "badge held", "waiting for you"));
    if (m.delivery_status) meta.appendChild(el("span", "delivery", m.delivery_status));
    li.appendChild(meta);
    if (m.text) {
      var text = el("div", "text", m.text);
      text.setAttribute("dir", "auto");
      li.appendChild(text);
    }
    if (m.content_uri && m.direction === "in") {
      // the stored copy (served to managers only); reload the page for its preview and transcript
      var a = el("a", "media", "[" + m.kind + "] open");
      a.href = "/media/message/" + encodeURIComponent(m.id); a.rel = "noopener"; a.target = "_blank";
      li.appendChild(a);
    } else if (m.content_uri && /^https?:\/\//.test(m.content_uri)) {
      var b = el("a", "media", "[" + m.kind + "] open");
      b.href = m.content_uri; b.rel = "noopener noreferrer"; b.target = "_blank";
      li.appendChild(b);
    }
    return li;
  }

  function setMode(root, mode) {
    if (root.dataset.mode === mode) return;
    root.dataset.mode = mode;
    var badge = document.getElementById("mode");
    badge.className = "badge mode-" + mode;
    badge.textContent = mode === "human" ? "human: a person holds this thread" : "bot: Noor answers";
    document.querySelectorAll("[data-show-mode]").forEach(function (node) {
      node.hidden = node.dataset.showMode !== mode;
    });
  }

  function pollThread(root) {
    var id = root.dataset.id;
    var list = document.getElementById("transcript");
    function tick() {
      var after = root.dataset.lastId || "0";
      getJSON("/api/v1/conversations/" + id + "?mark_read=true&after_id=" + after).then(function (data) {
        var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
        data.messages.forEach(function (m) {
          if (list.querySelector('[data-id="' + m.id + '"]')) return;
          list.appendChild(messageItem(m));
          root.dataset.lastId = String(m.id);
        });
        setMode(root, data.conversation.mode);
        if (data.messages.length && atBottom) window.scrollTo(0, document.body.scrollHeight);
      }).catch(function () {}).then(function () { setTimeout(tick, POLL_MS); });
    }
    setTimeout(tick, POLL_MS);
  }

  function threadRow(t) {
    var tr = el("tr", t.mode === "human" ? "human" : "");
    tr.dataset.id = t.id;
    var who = el("td");
    var a = el("a"); a.href = "/inbox/threads/" + t.id;
    a.appendChild(el("bdi", null, t.customer_name || "Customer"));
    who.appendChild(a);
    who.appendChild(el("div", "muted", "+" + t.chat_id));
    tr.appendChild(who);
    var snippet = el("td", "snippet", (t.last_text || "[" + (t.last_kind || "no messages") + "]").slice(0, 90));
    snippet.setAttribute("dir", "auto");
    tr.appendChild(snippet);
    var status = el("td");
    if (t.escalation_label) status.appendChild(el("span", "badge esc", t.escalation_label));
    status.appendChild(document.createTextNode(" "));
    status.appendChild(el("span", "badge mode-" + t.mode, t.mode === "human" ? "human" : "bot"));
    tr.appendChild(status);
    tr.appendChild(el("td", null, t.assigned_manager_name || "—"));
    var unread = el("td");
    if (t.unread) unread.appendChild(el("span", "unread", String(t.unread)));
    tr.appendChild(unread);
    tr.appendChild(el("td", "muted", t.last_time));
    return tr;
  }

  function pollList(table) {
    var body = table.querySelector("tbody");
    function tick() {
      getJSON("/api/v1/conversations?filter=" + encodeURIComponent(table.dataset.filter)).then(function (data) {
        body.textContent = "";
        if (!data.items.length) {
          var tr = el("tr", "empty"); var td = el("td", null, "No threads here."); td.colSpan = 6; tr.appendChild(td);
          body.appendChild(tr);
        }
        data.items.forEach(function (t) { body.appendChild(threadRow(t)); });
        Object.keys(data.counts).forEach(function (key) {
          var node = document.querySelector('[data-count="' + key + '"]');
          if (node) node.textContent = String(data.counts[key]);
        });
      }).catch(function () {}).then(function () { setTimeout(tick, POLL_MS * 2); });
    }
    setTimeout(tick, POLL_MS * 2);
  }

  var thread = document.getElementById("thread");
  if (thread) {
    window.scrollTo(0, document.body.scrollHeight);
    pollThread(thread);
  }
  var threads = document.getElementById("threads");
  if (threads) pollList(threads);
})();
