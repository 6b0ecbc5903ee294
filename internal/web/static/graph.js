// ringfence UI: the link graph of a subject, drawn with cytoscape from
// /subjects/{id}/graph.json. Nodes are coloured by risk level; a line is
// solid when the link joins two subjects in a ring, dashed when it is weak,
// dotted when clustering cut it. Every value from the server is put in the
// page as text (textContent), never as HTML.
(function () {
  "use strict";

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function message(container, text) {
    container.textContent = "";
    container.appendChild(el("p", "graph-msg muted", text));
  }

  // showEdge lists what two subjects share, strongest first.
  function showEdge(panel, e, nodes) {
    panel.textContent = "";
    var d = e.data();
    var a = nodes[d.source] || {}, b = nodes[d.target] || {};
    panel.appendChild(el("h3", null, (a.name || d.source) + " — " + (b.name || d.target)));
    var kind = { join: "strong enough to join them in a ring", weak: "a weak link: not enough on its own", cut: "strong, but clustering cut it between two groups" }[d.style];
    panel.appendChild(el("p", "muted", "Weight " + d.weight + ": " + kind + "."));
    var t = el("table", "grid compact");
    var head = el("tr");
    ["Shared", "Value", "Holders", "Weight"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    var thead = el("thead"); thead.appendChild(head); t.appendChild(thead);
    var tb = el("tbody");
    (d.links || []).slice().sort(function (x, y) { return y.weight - x.weight; }).forEach(function (l) {
      var tr = el("tr");
      tr.appendChild(el("td", null, l.attribute || l.kind));
      tr.appendChild(el("td", "mono wrap", l.value));
      tr.appendChild(el("td", "num", l.holders));
      tr.appendChild(el("td", "num", l.linking ? l.weight : "context"));
      tb.appendChild(tr);
    });
    t.appendChild(tb);
    panel.appendChild(t);
  }

  function draw(container, data) {
    var nodes = {};
    var elements = [];
    data.nodes.forEach(function (n) {
      nodes[n.id] = n;
      elements.push({ group: "nodes", data: {
        id: n.id, label: (n.name ? n.name + "\n" : "") + n.id, level: n.level || "clear",
        center: n.id === data.center ? "yes" : "no", score: n.score, depth: n.depth
      } });
    });
    data.edges.forEach(function (e) {
      elements.push({ group: "edges", data: {
        id: e.id, source: e.source, target: e.target, weight: e.weight, style: e.style, links: e.links
      } });
    });
    container.textContent = "";
    var style = [
      { selector: "node", style: {
        "label": "data(label)", "text-wrap": "wrap", "text-valign": "bottom", "text-margin-y": 4,
        "font-size": 12, "font-family": css("--font") || "sans-serif", "color": "#1d2430",
        "text-background-color": "#fbfcfd", "text-background-opacity": 0.85, "text-background-padding": 1,
        "width": 24, "height": 24, "border-width": 1, "border-color": "#ffffff", "background-color": css("--clear-solid")
      } },
      { selector: "node[center = 'yes']", style: { "width": 34, "height": 34, "border-width": 3, "border-color": "#1d2430", "font-weight": "bold" } },
      { selector: "edge", style: {
        "width": "mapData(weight, 0, 3, 1.2, 6)", "line-color": "#5d6877", "curve-style": "bezier", "opacity": 0.85
      } },
      { selector: "edge[style = 'weak']", style: { "line-style": "dashed", "line-color": "#98a2b0" } },
      { selector: "edge[style = 'cut']", style: { "line-style": "dotted" } },
      { selector: "edge:selected", style: { "line-color": css("--focus") || "#f2b33d", "opacity": 1 } },
      { selector: "node:selected", style: { "border-color": css("--focus") || "#f2b33d", "border-width": 3 } }
    ];
    ["clear", "low", "medium", "high", "critical"].forEach(function (l) {
      style.push({ selector: "node[level = '" + l + "']", style: { "background-color": css("--" + l + "-solid") } });
    });
    var cy = cytoscape({
      container: container, elements: elements, style: style,
      layout: { name: "preset" },
      minZoom: 0.2, maxZoom: 3, wheelSensitivity: 0.3
    });
    // Start from rings by hops from the subject, then let the force layout
    // untangle them. The start is fixed, so the same data always draws the
    // same picture (cose would otherwise start from random places).
    var rings = {};
    cy.nodes().forEach(function (n) {
      var d = n.data("depth");
      (rings[d] = rings[d] || []).push(n);
    });
    Object.keys(rings).forEach(function (d) {
      var ns = rings[d], r = 110 * Number(d);
      ns.forEach(function (n, i) {
        var a = 2 * Math.PI * i / ns.length + 0.6 * Number(d);
        n.position({ x: r * Math.cos(a), y: r * Math.sin(a) });
      });
    });
    cy.layout({ name: "cose", animate: false, randomize: false, fit: true, padding: 40,
      idealEdgeLength: function () { return 90; }, edgeElasticity: function () { return 100; },
      nodeRepulsion: function () { return 250000; }, nodeOverlap: 40, gravity: 0.5, numIter: 2000 }).run();
    // A small graph fitted to the box would be drawn huge; keep it at a
    // reading size.
    if (cy.zoom() > 1.25) {
      cy.zoom(1.25);
      cy.center();
    }
    var panel = document.getElementById("edge-evidence");
    cy.on("tap", "edge", function (ev) { if (panel) showEdge(panel, ev.target, nodes); });
    cy.on("tap", "node", function (ev) {
      var id = ev.target.id();
      if (id !== data.center) window.location.href = "/subjects/" + encodeURIComponent(id);
    });
    cy.on("mouseover", "node", function () { container.style.cursor = "pointer"; });
    cy.on("mouseout", "node", function () { container.style.cursor = ""; });
    cy.on("mouseover", "edge", function () { container.style.cursor = "pointer"; });
    cy.on("mouseout", "edge", function () { container.style.cursor = ""; });
    if (data.truncated && panel) {
      panel.insertBefore(el("p", "warn small", "Only the nearest " + data.nodes.length + " subjects are drawn."), panel.firstChild);
    }
    // Tests and curious analysts can reach the graph from the console.
    window.rfGraph = cy;
    container.setAttribute("data-nodes", String(cy.nodes().length));
    container.setAttribute("data-ready", "true");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("graph");
    if (!container || typeof cytoscape !== "function") return;
    fetch(container.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("the server answered " + r.status);
        return r.json();
      })
      .then(function (data) {
        if (data.nodes.length <= 1) {
          message(container, "No stored subject shares an identifier with this one.");
          container.setAttribute("data-nodes", String(data.nodes.length));
          container.setAttribute("data-ready", "true");
          return;
        }
        draw(container, data);
      })
      .catch(function (err) {
        message(container, "The graph could not be loaded: " + err.message);
        container.setAttribute("data-ready", "error");
      });
  });
})();
