// The backstop report page: reads the JSON in #report-data (made by backstop's report module
// from the same code as `whatif --json` and `adl explain --json`) and draws it with uPlot.
// Every chart, once drawn, is marked data-drawn="yes" when its canvas holds painted pixels, and
// <body data-ready="yes" data-errors="N"> tells a headless browser the page has finished.
(function () {
  "use strict";
  var errors = [];
  function reportError(message) {
    errors.push(String(message));
    var box = document.getElementById("errors");
    box.hidden = false;
    box.textContent = errors.join("\n");
    document.body.dataset.errors = String(errors.length);
  }
  window.addEventListener("error", function (e) { reportError(e.message); });
  document.body.dataset.errors = "0";

  var data = JSON.parse(document.getElementById("report-data").textContent);
  var w = data.whatif;
  var market = w.report_market;
  var qd = market.quote_decimals, ld = market.lot_decimals;
  var overlay = Object.keys(w.parameters).length > 0;
  var WIDTH = 1120, HEIGHT = 300;
  var COLORS = { mark: "#2c3e70", liq: "#e07b00", adl: "#c0182d", fund: "#17703a",
                 wliq: "#7a4fd0", wadl: "#0b8fb3", wfund: "#b8860b" };

  function money(v) { return v / Math.pow(10, qd); }
  function lots(v) { return v / Math.pow(10, ld); }
  function price(v) { return v * Math.pow(10, ld) / Math.pow(10, qd); }
  function fmt(v, decimals) {
    return Number(v).toLocaleString("en-US", { minimumFractionDigits: decimals,
                                               maximumFractionDigits: decimals });
  }
  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    return node;
  }
  function utc(ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); }

  // ---- header ----
  document.getElementById("title").textContent = data.title;
  document.getElementById("subtitle").textContent = data.subtitle;
  var win = w.window;
  document.getElementById("window").textContent =
    "Records " + (win.after_seq + 1) + ".." + win.to_seq + " (" + fmt(win.records, 0) +
    " records, " + fmt(win.inputs, 0) + " inputs), " +
    new Date(win.start_time_ns / 1e6).toISOString() + " to " +
    new Date(win.end_time_ns / 1e6).toISOString() + "; market " + market.symbol +
    (overlay ? "; what-if parameters " + JSON.stringify(w.parameters) : "");
  var verdict = document.getElementById("verdict");
  if (!overlay) {
    verdict.textContent = "The logged history (re-derived: " +
      (w.identical ? "every effect reproduced exactly)" : "it differs!)");
  } else if (w.identical) {
    verdict.textContent = "The what-if reproduces the logged effects exactly.";
  } else {
    verdict.textContent = "The histories part at seq " + w.first_difference.seq + ": " +
      w.first_difference.what + ".";
  }
  verdict.className = w.identical ? "same" : "differs";

  // ---- summary table: raw integers in data-value, scaled text shown ----
  var FIGURES = [
    ["liquidations", "Liquidations (positions taken over)", 0, "count"],
    ["phase_a_quantity", "Phase A lots (book, within bankruptcy price)", ld, "lots"],
    ["phase_b_quantity", "Phase B lots (book, fund draws)", ld, "lots"],
    ["phase_c_quantity", "Phase C lots (ADL)", ld, "lots"],
    ["liquidated_notional", "Liquidated notional", qd, "money"],
    ["fund_draws", "Fund draws", 0, "count"],
    ["adl_reductions", "ADL reductions", 0, "count"],
    ["adl_notional", "ADL notional", qd, "money"],
    ["adl_accounts_hit", "Accounts ADL'd", 0, "count"],
    ["socialized_loss", "Socialized loss", qd, "money"]];
  function scaled(v, kind) {
    if (kind === "lots") return fmt(lots(v), ld);
    if (kind === "money") return fmt(money(v), qd);
    return fmt(v, 0);
  }
  function summary() {
    var table = document.getElementById("summary");
    var head = el("tr");
    head.appendChild(el("th", ""));
    head.appendChild(el("th", "logged"));
    if (overlay) { head.appendChild(el("th", "what-if")); head.appendChild(el("th", "difference")); }
    table.appendChild(head);
    function row(label, key, a, b, kind) {
      var tr = el("tr");
      tr.appendChild(el("td", label));
      tr.appendChild(el("td", scaled(a, kind), { "data-key": "logged." + key, "data-value": String(a) }));
      if (overlay) {
        tr.appendChild(el("td", scaled(b, kind), { "data-key": "what_if." + key, "data-value": String(b) }));
        var d = b - a;
        tr.appendChild(el("td", d === 0 ? "=" : (d > 0 ? "+" : "") + scaled(d, kind),
                          { "class": d > 0 ? "up" : d < 0 ? "down" : "" }));
      }
      table.appendChild(tr);
    }
    FIGURES.forEach(function (f) { row(f[1], f[0], w.logged[f[0]], w.what_if[f[0]], f[3]); });
    w.logged.funds.forEach(function (fund, i) {
      var other = w.what_if.funds[i] || fund;
      ["start", "low", "end"].forEach(function (k) {
        row("Insurance fund (asset " + fund.asset + ") " + k, "funds." + i + "." + k,
            fund[k], other[k], "money");
      });
    });
  }

  // ---- per-minute series on one time axis ----
  var step = w.minutes_per_point || 1;
  document.getElementById("per-point").textContent =
    step === 1 ? "minute" : step + " minutes (downsampled)";
  function byMinute(list) {
    var m = new Map();
    (list || []).forEach(function (b) { m.set(b.minute, b); });
    return m;
  }
  var L = byMinute(w.logged.minutes), W = byMinute(w.what_if.minutes);
  var minutes = Array.from(new Set(Array.from(L.keys()).concat(Array.from(W.keys()))))
    .sort(function (a, b) { return a - b; });
  var xs = minutes.map(function (m) { return m * 60; });
  function series(map, pick, carry) {
    var last = null;
    return minutes.map(function (m) {
      var b = map.get(m);
      if (b) { last = pick(b); return last; }
      return carry ? last : null;
    });
  }
  var markL = series(L, function (b) { return b.mark_last ? price(b.mark_last) : null; }, true);
  var markW = series(W, function (b) { return b.mark_last ? price(b.mark_last) : null; }, true);
  var mark = markL.map(function (v, i) { return v !== null ? v : markW[i]; });
  function markers(map, field) {
    return minutes.map(function (m, i) {
      var b = map.get(m);
      return b && b[field] > 0 ? mark[i] : null;
    });
  }
  function pointsOnly(label, color, size) {
    return { label: label, stroke: color, fill: color, paths: function () { return null; },
             points: { show: true, size: size, stroke: color, fill: color } };
  }

  // ---- drawing and the drawn check ----
  var charts = [];
  function painted(chart) {
    var canvas = chart.root.querySelector("canvas");
    if (!canvas || !canvas.width || !canvas.height) return 0;
    var ctx = canvas.getContext("2d");
    var pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    var count = 0;
    for (var i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) count++;
    return count;
  }
  function draw(id, opts, columns) {
    var target = document.getElementById(id);
    opts.width = WIDTH;
    opts.height = opts.height || HEIGHT;
    var chart = new uPlot(opts, columns, target);
    charts.push({ id: id, chart: chart, target: target });
    return chart;
  }
  var timeX = { time: true };
  function axisMoney(label) {
    return { label: label, size: 80, values: function (u, vals) {
      return vals.map(function (v) { return fmt(v, 0); }); } };
  }

  function markChart() {
    var opts = { tzDate: utc, scales: { x: timeX },
                 series: [{}, { label: "mark (" + market.symbol + ")", stroke: COLORS.mark, width: 1.5 },
                          pointsOnly("liquidations (logged)", COLORS.liq, 7),
                          pointsOnly("ADL (logged)", COLORS.adl, 9)],
                 axes: [{}, axisMoney("price")] };
    var cols = [xs, mark, markers(L, "liquidations"), markers(L, "adl_reductions")];
    if (overlay) {
      opts.series.push(pointsOnly("liquidations (what-if)", COLORS.wliq, 5));
      opts.series.push(pointsOnly("ADL (what-if)", COLORS.wadl, 5));
      cols.push(markers(W, "liquidations"), markers(W, "adl_reductions"));
    }
    draw("chart-mark", opts, cols);
  }

  function fundChart() {
    var opts = { tzDate: utc, scales: { x: timeX },
                 series: [{}, { label: "fund (logged)", stroke: COLORS.fund, width: 2,
                                fill: "rgba(23,112,58,0.08)" }],
                 axes: [{}, axisMoney("quote")] };
    var cols = [xs, series(L, function (b) { return money(b.fund_end); }, true)];
    if (overlay) {
      opts.series.push({ label: "fund (what-if)", stroke: COLORS.wfund, width: 2, dash: [6, 4] });
      cols.push(series(W, function (b) { return money(b.fund_end); }, true));
    }
    draw("chart-fund", opts, cols);
  }

  function notionalChart() {
    var bars = uPlot.paths.bars({ size: [0.7, 24] });
    var thin = uPlot.paths.bars({ size: [0.35, 12] });
    var stepped = uPlot.paths.stepped({ align: 1 });
    function col(map, field) {
      return series(map, function (b) { return money(b[field]); }, false)
        .map(function (v) { return v === null ? 0 : v; });
    }
    var opts = { tzDate: utc, scales: { x: timeX },
                 series: [{}, { label: "liquidated (logged)", stroke: COLORS.liq, fill: COLORS.liq, paths: bars },
                          { label: "ADL'd (logged)", stroke: COLORS.adl, fill: COLORS.adl, paths: thin }],
                 axes: [{}, axisMoney("quote")] };
    var cols = [xs, col(L, "liquidated_notional"), col(L, "adl_notional")];
    if (overlay) {
      opts.series.push({ label: "liquidated (what-if)", stroke: COLORS.wliq, width: 2, paths: stepped });
      opts.series.push({ label: "ADL'd (what-if)", stroke: COLORS.wadl, width: 2, paths: stepped });
      cols.push(col(W, "liquidated_notional"), col(W, "adl_notional"));
    }
    draw("chart-notional", opts, cols);
  }

  function queueChart() {
    var caption = document.getElementById("queue-caption");
    var ev = data.adl_event;
    if (!ev) {
      caption.textContent = "No ADL reduction in the log: no queue to draw.";
      caption.className = "note";
      return;
    }
    var q = ev.queue;
    var taken = new Map();
    ev.reductions.forEach(function (r) {
      taken.set(r.counterparty, (taken.get(r.counterparty) || 0) + r.quantity);
    });
    caption.textContent = "Liquidated account " + q.account + " at seq " + ev.reduction.seq +
      " (" + ev.reduction.time + "): " + q.policy + " ranking of " + q.queue_length + " " +
      (q.counterparty_side === "buy" ? "long" : "short") + " counterparties (the top " +
      q.top.length + " logged), " + fmt(lots(q.quantity_to_cover), ld) + " " + market.symbol +
      " lots to cover; the fund held " + fmt(money(q.fund_balance), qd) + ".";
    var ranks = q.top.map(function (e) { return e.queue_position; });
    var opts = { scales: { x: { time: false } }, height: 260,
                 series: [{ label: "rank" },
                          { label: "position (base units)", stroke: COLORS.mark, fill: "rgba(44,62,112,0.35)",
                            paths: uPlot.paths.bars({ size: [0.8, 40] }) },
                          { label: "taken by ADL", stroke: COLORS.adl, fill: COLORS.adl,
                            paths: uPlot.paths.bars({ size: [0.4, 20] }) }],
                 axes: [{ label: "queue position" }, { label: "lots (base units)" }] };
    draw("chart-queue", opts, [ranks,
      q.top.map(function (e) { return lots(Math.abs(e.position)); }),
      q.top.map(function (e) { return lots(taken.get(e.account) || 0); })]);
  }

  // ---- account tables ----
  function accountTable(id, rows, columns) {
    var table = document.getElementById(id);
    var head = el("tr");
    columns.forEach(function (c) { head.appendChild(el("th", c[0])); });
    table.appendChild(head);
    if (rows.length === 0) {
      var tr = el("tr");
      tr.appendChild(el("td", "none", { colspan: String(columns.length), "class": "note" }));
      table.appendChild(tr);
    }
    rows.forEach(function (r) {
      var tr = el("tr");
      columns.forEach(function (c) { tr.appendChild(el("td", c[1](r), c[2] ? c[2](r) : {})); });
      table.appendChild(tr);
    });
  }
  function tables() {
    var loss = [["account", function (r) { return String(r.account); },
                 function (r) { return { "data-account": String(r.account) }; }],
                ["PnL (logged)", function (r) { return fmt(money(r.pnl[0]), 2); },
                 function (r) { return { "data-value": String(r.pnl[0]) }; }]];
    var adl = [["account", function (r) { return String(r.account); },
                function (r) { return { "data-account": String(r.account) }; }],
               ["ADL'd lots (logged)", function (r) { return fmt(lots(r.adl_quantity[0]), ld); },
                function (r) { return { "data-value": String(r.adl_quantity[0]) }; }],
               ["reductions", function (r) { return String(r.adl_reductions[0]); }]];
    if (overlay) {
      loss.push(["PnL (what-if)", function (r) { return fmt(money(r.pnl[1]), 2); }]);
      adl.push(["ADL'd lots (what-if)", function (r) { return fmt(lots(r.adl_quantity[1]), ld); }]);
    }
    accountTable("top-loss", w.accounts.top_by_loss, loss);
    accountTable("top-adl", w.accounts.top_by_adl_quantity, adl);
  }

  function run(step, name) {
    try { step(); } catch (e) { reportError(name + ": " + (e && e.stack ? e.stack : e)); }
  }
  run(summary, "summary");
  run(markChart, "mark chart");
  run(fundChart, "fund chart");
  run(notionalChart, "notional chart");
  run(queueChart, "queue chart");
  run(tables, "tables");
  // uPlot draws on the next animation frame; check the canvases after it.
  requestAnimationFrame(function () {
    setTimeout(function () {
      charts.forEach(function (c) {
        var n = painted(c.chart);
        c.target.dataset.painted = String(n);
        c.target.dataset.drawn = n > 0 ? "yes" : "no";
      });
      document.body.dataset.charts = String(charts.length);
      document.body.dataset.ready = "yes";
    }, 0);
  });
})();
