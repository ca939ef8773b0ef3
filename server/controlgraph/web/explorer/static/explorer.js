// controlgraph explorer: small enhancements over pages that work without script.
(function () {
  "use strict";

  function el(tag, text) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderJson(target, data) {
    target.replaceChildren();
    if (data.boolean !== undefined) { target.append(el("p", "ASK: " + data.boolean)); return; }
    var vars = data.head.vars, rows = data.results.bindings;
    target.append(el("p", rows.length + " row" + (rows.length === 1 ? "" : "s")));
    var table = el("table"), head = el("tr");
    table.className = "data";
    vars.forEach(function (v) { var th = el("th", v); th.scope = "col"; head.append(th); });
    var thead = el("thead"); thead.append(head); table.append(thead);
    var body = el("tbody");
    rows.forEach(function (row) {
      var tr = el("tr");
      vars.forEach(function (v) { tr.append(el("td", row[v] ? row[v].value : "")); });
      body.append(tr);
    });
    table.append(body);
    target.append(table);
  }

  var form = document.getElementById("sparql-form");
  if (form) {
    var out = document.getElementById("sparql-results");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var accept = document.getElementById("accept").value;
      out.textContent = "Running…";
      fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": accept },
        body: new URLSearchParams({ query: document.getElementById("query").value }).toString(),
      }).then(function (response) {
        return response.text().then(function (text) { return { ok: response.ok, text: text }; });
      }).then(function (answer) {
        if (answer.ok && accept.indexOf("json") >= 0) { renderJson(out, JSON.parse(answer.text)); return; }
        out.replaceChildren();
        var pre = el("pre", answer.text);
        if (!answer.ok) pre.className = "error";
        out.append(pre);
      }).catch(function () { out.textContent = "The server did not answer."; });
    });
    document.querySelectorAll("button.load-query").forEach(function (button) {
      button.addEventListener("click", function () {
        document.getElementById("query").value = button.getAttribute("data-query");
        document.getElementById("query").focus();
      });
    });
  }
})();
