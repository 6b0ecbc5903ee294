// ringfence UI: keyboard shortcuts. Kept small and free of inline handlers,
// so the page's Content-Security-Policy can refuse every inline script.
(function () {
  "use strict";

  function typing(e) {
    var t = e.target;
    if (!t || !t.tagName) return false;
    var tag = t.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || t.isContentEditable;
  }

  // Rows of the first table marked data-rows; j/k move, Enter/o opens.
  function rows() {
    var table = document.querySelector("table[data-rows]");
    return table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr")).filter(function (r) {
      return r.querySelector("a");
    }) : [];
  }

  var current = -1;
  function select(i) {
    var rs = rows();
    if (!rs.length) return;
    i = Math.max(0, Math.min(rs.length - 1, i));
    rs.forEach(function (r) { r.classList.remove("selected"); });
    rs[i].classList.add("selected");
    rs[i].scrollIntoView({ block: "nearest" });
    current = i;
  }
  function open() {
    var rs = rows();
    if (current < 0 || current >= rs.length) return;
    var a = rs[current].querySelector("a.rowlink") || rs[current].querySelector("a");
    if (a) a.click();
  }

  var pendingG = false, gTimer = null;
  var go = { a: "/alerts", c: "/cases", f: "/farms", u: "/upload", i: "/indicators", l: "/audit" };

  function help() {
    var d = document.getElementById("keys");
    if (!d) return;
    if (d.open) d.close(); else d.showModal();
  }

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && typing(e)) { e.target.blur(); return; }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    if (pendingG) {
      pendingG = false;
      clearTimeout(gTimer);
      // Only go where the menu offers: a role's missing pages are not in it.
      var link = go[e.key] && document.querySelector('.top nav a[href="' + go[e.key] + '"]');
      if (link) { e.preventDefault(); window.location.href = go[e.key]; }
      return;
    }
    switch (e.key) {
      case "g":
        pendingG = true;
        gTimer = setTimeout(function () { pendingG = false; }, 1200);
        break;
      case "j": e.preventDefault(); select(current + 1); break;
      case "k": e.preventDefault(); select(current - 1); break;
      case "Enter": case "o": if (current >= 0) { e.preventDefault(); open(); } break;
      case "/":
        var f = document.querySelector("[data-focus]");
        if (f) { e.preventDefault(); f.focus(); }
        break;
      case "?": e.preventDefault(); help(); break;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var b = document.getElementById("keys-open");
    if (b) b.addEventListener("click", help);
  });

  // A filter swap replaces the table: the selection starts again.
  document.addEventListener("htmx:afterSwap", function () { current = -1; });

  // htmx leaves the page as it was when a request fails; say why, or a
  // job's progress would just stop moving. The server's message is text.
  function problem(text) {
    var main = document.getElementById("main");
    if (!main) return;
    var f = document.getElementById("htmx-problem");
    if (!f) {
      f = document.createElement("div");
      f.id = "htmx-problem";
      f.className = "flash error";
      f.setAttribute("role", "alert");
      main.insertBefore(f, main.firstChild);
    }
    f.textContent = text;
  }
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail && e.detail.xhr;
    problem((xhr && xhr.responseText ? xhr.responseText.trim() : "") || "The server refused the request.");
  });
  document.addEventListener("htmx:sendError", function () {
    problem("The server cannot be reached; the page will update when it can.");
  });
})();
