/// The console's stylesheet and script, served from the binary (`/ui/assets/…`): no build
/// step, nothing fetched from elsewhere, so the Content-Security-Policy allows only 'self'.
enum ConsoleAssets {
    static let css = """
        :root { --ink:#1d2430; --muted:#5b6675; --line:#d9dee5; --bg:#f5f7fa; --card:#fff; --accent:#1f5fbf;
                --bad:#b3261e; --warn:#a05a00; --good:#1b7a3a; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
        * { box-sizing: border-box; }
        body { margin:0; background:var(--bg); color:var(--ink); font-size:14px; line-height:1.4; }
        header.top { display:flex; align-items:center; gap:1.2rem; padding:.5rem 1rem; background:#182233; color:#fff; }
        header.top a { color:#dfe8f7; text-decoration:none; padding:.25rem .4rem; border-radius:4px; }
        header.top a[aria-current=page] { background:#2d3c57; color:#fff; }
        header.top a:focus, a:focus, button:focus, input:focus, select:focus, textarea:focus { outline:3px solid #f2b705; outline-offset:1px; }
        header.top .brand { font-weight:700; letter-spacing:.02em; margin-right:.5rem; }
        header.top .who { margin-left:auto; color:#b9c5d8; }
        header.top form { margin:0; }
        main { padding:1rem; max-width:1400px; }
        h1 { font-size:1.3rem; margin:.2rem 0 1rem; } h2 { font-size:1.05rem; margin:1.2rem 0 .5rem; }
        .cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(180px, 1fr)); gap:.6rem; }
        .card { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:.6rem .8rem; }
        .card .figure { font-size:1.6rem; font-weight:650; font-variant-numeric:tabular-nums; }
        .card .label { color:var(--muted); font-size:.8rem; text-transform:uppercase; letter-spacing:.04em; }
        table { border-collapse:collapse; width:100%; background:var(--card); border:1px solid var(--line); }
        th, td { text-align:left; padding:.3rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
        th { background:#eef1f5; font-weight:600; font-size:.8rem; color:#364152; }
        td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
        tr:hover td { background:#f8fafc; }
        .status { display:inline-block; padding:0 .4rem; border-radius:3px; font-size:.8rem; background:#e6ebf2; }
        .status.bad, .status.dead, .status.open, .status.on_hold, .status.disabled, .status.circuit_open, .status.breached { background:#fde7e5; color:var(--bad); }
        .status.good, .status.delivered, .status.closed, .status.resolved, .status.active, .status.met { background:#e3f4e8; color:var(--good); }
        .status.pending, .status.warn { background:#fff1db; color:var(--warn); }
        form.filters { display:flex; flex-wrap:wrap; gap:.5rem; align-items:end; margin-bottom:.8rem; }
        label { display:flex; flex-direction:column; font-size:.8rem; color:var(--muted); gap:.15rem; }
        input, select, textarea { font:inherit; padding:.25rem .4rem; border:1px solid #b8c1cc; border-radius:4px; background:#fff; }
        button { font:inherit; padding:.3rem .7rem; border-radius:4px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
        button.secondary { background:#fff; color:var(--accent); }
        button.danger { background:var(--bad); border-color:var(--bad); }
        .actions { display:flex; gap:.5rem; flex-wrap:wrap; align-items:end; margin:.5rem 0; }
        .notice { padding:.5rem .8rem; border-radius:5px; background:#e8f0fd; border:1px solid #bcd0f5; margin-bottom:.8rem; }
        .notice.error { background:#fde7e5; border-color:#f2b8b5; }
        .muted { color:var(--muted); } .mono, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:.8rem; }
        pre { background:#0f1724; color:#e3e9f3; padding:.6rem; border-radius:5px; overflow:auto; max-height:24rem; }
        .grid2 { display:grid; grid-template-columns:1fr 1fr; gap:1rem; } @media (max-width: 900px) { .grid2 { grid-template-columns:1fr; } }
        svg.chart { background:var(--card); border:1px solid var(--line); border-radius:6px; }
        svg.chart text { font-size:11px; fill:#364152; } svg.chart rect.bar { fill:#3f7ad8; } svg.chart polyline { fill:none; stroke:#3f7ad8; stroke-width:2; }
        .signin { max-width:360px; margin:4rem auto; background:var(--card); border:1px solid var(--line); padding:1.2rem; border-radius:8px; }
        .signin form { display:flex; flex-direction:column; gap:.8rem; }
        .live-dot { display:inline-block; width:.55rem; height:.55rem; border-radius:50%; background:#999; margin-right:.3rem; }
        .live-dot.on { background:#2bb24c; }
        """

    /// Live figures: the overview subscribes to `/ui/events` (Server-Sent Events) and writes each
    /// figure into the element that carries its `data-live` name, as text.
    static let js = """
        (function () {
          var live = document.querySelectorAll('[data-live]');
          if (!live.length || !window.EventSource) { return; }
          var dot = document.getElementById('live-dot');
          var source = new EventSource('/ui/events');
          source.addEventListener('open', function () { if (dot) { dot.className = 'live-dot on'; } });
          source.addEventListener('error', function () { if (dot) { dot.className = 'live-dot'; } });
          source.addEventListener('figures', function (message) {
            var figures = JSON.parse(message.data);
            for (var i = 0; i < live.length; i++) {
              var name = live[i].getAttribute('data-live');
              if (Object.prototype.hasOwnProperty.call(figures, name)) { live[i].textContent = String(figures[name]); }
            }
            document.body.setAttribute('data-updated', String(figures.at || ''));
          });
        })();
        """
}
