// The dashboard's statistics panel: per queue the service level against its threshold, the average speed of
// answer, abandoned and waiting jobs, coloured by the report's ratings; per worker handled jobs and occupancy; a
// chart of jobs offered and service level per interval. The figures are GET dashboard/statistics, the same report
// as GET /_emulator/statistics; they are asked for again after each snapshot of the stream (dashboard.js raises
// "jobrouter:state"), so they follow every change and every move of the virtual clock without polling.
(() => {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  const CHART_INTERVALS = 24;
  const $ = (id) => document.getElementById(id);

  function el(tag, props, ...children) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (key === "class") node.setAttribute("class", value);
      else if (key === "data") for (const [k, v] of Object.entries(value)) node.dataset[k] = v === null ? "" : String(v);
      else node.setAttribute(key, String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // The one spelling of each kind of figure (the browser test formats the JSON route's figures the same way).
  const percent = (share) => (share === null ? "–" : `${(share * 100).toFixed(1)} %`);
  const seconds = (value) => (value === null ? "–" : `${value.toFixed(1)} s`);

  function cell(field, value, text, rating) {
    return el("td", { class: `num${rating && rating !== "none" ? ` rating-${rating}` : ""}`, data: { field, value } }, text);
  }

  function renderQueues(report) {
    const rows = Object.entries(report.queues).map(([id, q]) =>
      el(
        "tr",
        { data: { queueId: id } },
        el("td", {}, el("code", {}, id)),
        el(
          "td",
          {
            class: `num${q.ratings.serviceLevel !== "none" ? ` rating-${q.ratings.serviceLevel}` : ""}`,
            data: { field: "serviceLevel", value: q.serviceLevel },
          },
          percent(q.serviceLevel),
          el("span", { class: "stat-target" }, `within ${q.serviceLevelSeconds} s`),
        ),
        cell("averageSpeedOfAnswerSeconds", q.averageSpeedOfAnswerSeconds, seconds(q.averageSpeedOfAnswerSeconds), q.ratings.averageSpeedOfAnswerSeconds),
        cell("abandoned", q.abandoned, q.abandoned, q.ratings.abandoned),
        cell("waiting", q.waiting, q.waiting, q.ratings.waiting),
        cell("offered", q.offered, q.offered),
        cell("answered", q.answered, q.answered),
      ),
    );
    $("stat-queues").tBodies[0].replaceChildren(...rows);
  }

  function renderWorkers(report) {
    const rows = Object.entries(report.workers).map(([id, w]) =>
      el(
        "tr",
        { data: { workerId: id } },
        el("td", {}, el("code", {}, id)),
        cell("handled", w.handled, w.handled),
        cell("occupancy", w.occupancy, percent(w.occupancy)),
        cell("averageHandleTimeSeconds", w.averageHandleTimeSeconds, seconds(w.averageHandleTimeSeconds)),
      ),
    );
    $("stat-workers").tBodies[0].replaceChildren(...rows);
  }

  function renderChart(report) {
    const intervals = report.intervals.slice(-CHART_INTERVALS);
    const width = Math.max(300, $("stat-chart").clientWidth || 600), height = 140, top = 8, bottom = 20, left = 4, right = 4;
    const plot = height - top - bottom;
    const step = (width - left - right) / Math.max(intervals.length, 1);
    const most = Math.max(1, ...intervals.map((i) => i.total.offered));
    const y = (share) => top + plot * (1 - share);
    const bars = intervals.map((interval, index) => {
      const h = (plot * interval.total.offered) / most;
      return el("svg:rect", {
        class: "stat-bar", x: left + index * step + step * 0.15, y: top + plot - h, width: step * 0.7, height: h,
        data: { start: interval.start, offered: interval.total.offered },
      }, el("svg:title", {}, `${interval.start.slice(11, 16)} UTC: ${interval.total.offered} offered, service level ${percent(interval.total.serviceLevel)}`));
    });
    const points = [];
    let path = "";
    intervals.forEach((interval, index) => {
      const share = interval.total.serviceLevel;
      if (share === null) return;
      const x = left + index * step + step / 2;
      path += `${path && intervals[index - 1] && intervals[index - 1].total.serviceLevel !== null ? "L" : "M"}${x.toFixed(1)},${y(share).toFixed(1)} `;
      points.push(el("svg:circle", { class: "stat-point", cx: x, cy: y(share), r: 3, data: { start: interval.start, serviceLevel: share } }));
    });
    const labels = intervals.length
      ? [0, intervals.length - 1].map((index) =>
          el("svg:text", { x: left + index * step + step / 2, y: height - 5, "text-anchor": index ? "end" : "start" }, `${intervals[index].start.slice(11, 16)} UTC`),
        )
      : [];
    const target = report.targets ? report.targets.serviceLevel : 0.8;
    $("stat-chart").replaceChildren(
      el("svg:svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Jobs offered and service level per interval" },
        el("svg:line", { class: "stat-axis", x1: left, x2: width - right, y1: top + plot, y2: top + plot }),
        el("svg:line", { class: "stat-target-line", x1: left, x2: width - right, y1: y(target), y2: y(target) }),
        bars, path ? el("svg:path", { class: "stat-line", d: path.trim() }) : null, points, labels),
    );
  }

  function render(report) {
    renderQueues(report);
    renderWorkers(report);
    renderChart(report);
    const minutes = report.intervalSeconds / 60;
    $("statistics-note").textContent = `until ${report.until.slice(11, 19)} UTC · intervals of ${Number.isInteger(minutes) ? `${minutes} min` : `${report.intervalSeconds} s`}`;
    $("statistics").hidden = false;
    $("statistics").dataset.until = report.until;
  }

  // One request at a time; snapshots that come meanwhile make one more, once it is done.
  let busy = false, again = false;
  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const response = await fetch("dashboard/statistics", { cache: "no-store" });
      if (response.ok) render(await response.json());
    } catch (error) {
      // the stream's own status shows that the emulator is away; the next snapshot asks again
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }

  document.addEventListener("jobrouter:state", refresh);
  refresh();
})();
