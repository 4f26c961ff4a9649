// The Job Router emulator's dashboard. Everything arrives on one server-sent event stream (dashboard/stream):
// "state" messages carry the emulator's snapshot (queues, workers, jobs), "router" messages each Router event as
// it commits. The page never asks the server for anything else, so nothing here polls. The one timer re-draws the
// waiting times between two snapshots, from the page's own clock, when the emulator runs on the system clock.
(() => {
  "use strict";

  const OPERATORS = {
    equal: "=", notEqual: "≠", lessThan: "<", lessThanOrEqual: "≤", greaterThan: ">", greaterThanOrEqual: "≥",
  };
  const MAX_EVENTS = 500;
  const page = {
    snapshot: null,
    receivedAt: 0, // performance.now() when the snapshot came
    resets: null,
    events: [], // newest first
    seen: new Set(),
    jobStatus: "",
    filters: { job: "", worker: "", queue: "" },
  };

  // -- building DOM (text only: ids and labels are user data, never parsed as HTML) ----------------------------
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "data") Object.assign(node.dataset, value);
      else if (key === "style") Object.assign(node.style, value); // through the CSSOM: the page's CSP bars style attributes
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const $ = (id) => document.getElementById(id);

  function idButton(kind, id) {
    if (id === undefined || id === null || id === "") return el("span", { class: "none" }, "–");
    return el("button", {
      type: "button", class: "id", title: `Show the events of ${kind} ${id}`,
      onclick: () => setFilter(kind, String(id)),
    }, String(id));
  }

  function pill(status) {
    return el("span", { class: `pill s-${status}` }, status || "–");
  }

  // -- time --------------------------------------------------------------------------------------------------
  function emulatorNow() {
    const snap = page.snapshot;
    if (!snap) return new Date();
    const base = Date.parse(snap.now);
    return new Date(snap.virtualClock ? base : base + (performance.now() - page.receivedAt));
  }

  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return `${s} s`;
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const rest = String(s % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
  }

  function waitClass(seconds) {
    if (seconds < 30) return "wait wait-ok";
    if (seconds < 120) return "wait wait-warn";
    return "wait wait-bad";
  }

  function clockText(date) {
    return date.toISOString().slice(11, 19);
  }

  function elapsedSinceSnapshot() {
    return page.snapshot && !page.snapshot.virtualClock ? (performance.now() - page.receivedAt) / 1000 : 0;
  }

  // -- rendering ---------------------------------------------------------------------------------------------
  function renderClock() {
    const snap = page.snapshot;
    const clock = $("clock");
    clock.dataset.virtual = snap && snap.virtualClock ? "true" : "false";
    $("clock-kind").textContent = snap && snap.virtualClock ? "virtual clock" : "system clock";
    const now = emulatorNow();
    $("clock-time").textContent = `${now.toISOString().slice(0, 10)} ${clockText(now)} UTC`;
  }

  function queueWait(queue) {
    return queue.length ? queue.longestWaitSeconds + elapsedSinceSnapshot() : 0;
  }

  function renderKpis() {
    const snap = page.snapshot;
    const waiting = snap.queues.reduce((sum, q) => sum + q.length, 0);
    const longest = snap.queues.reduce((most, q) => Math.max(most, queueWait(q)), 0);
    const offers = snap.workerCounts.openOffers; // counts of every worker: the list stops at 300
    const available = snap.workerCounts.canTakeJob;
    const full = snap.workerCounts.availableForOffers - available;
    $("kpi-waiting").textContent = waiting;
    $("kpi-longest").textContent = duration(longest);
    $("kpi-longest").className = `kpi-value ${waiting ? waitClass(longest) : ""}`;
    $("kpi-offers").textContent = offers;
    $("kpi-assigned").textContent = snap.jobs.counts.assigned || 0;
    $("kpi-workers").textContent = `${available} / ${snap.workerCounts.total}`;
    $("kpi-workers-full").textContent = full ? `${full} full` : "";
  }

  // A table's "nothing here" row spans its header's columns (the header is the one place they are counted).
  function emptyRow(table, text) {
    return el("tr", { class: "empty" }, el("td", { colspan: $(table).tHead.rows[0].cells.length }, text));
  }

  function distributionCell(d) {
    if (!d) return el("td", { class: "detail" }, el("span", { class: "none" }, "–"));
    const most = d.maxConcurrentOffers ?? 1;
    const least = d.minConcurrentOffers ?? 1;
    const offers = most <= 1 ? "one offer at a time" : least === most ? `${most} offers at once`
      : `${least}–${most} offers at once`;
    const expiry = d.offerExpiresAfterSeconds ? `, offers live ${duration(d.offerExpiresAfterSeconds)}` : "";
    return el("td", { class: "detail" },
      el("span", { class: "name" }, d.mode || "–"),
      el("span", { class: "sub" }, `${offers}${expiry}${d.bypassSelectors ? ", selectors bypassed" : ""}`),
      el("span", { class: "sub" }, d.name || d.id));
  }

  function exceptionCell(policy) {
    if (!policy) return el("td", { class: "detail" }, el("span", { class: "none" }, "none"));
    const rules = policy.rules.map((rule) => {
      const when = rule.trigger === "waitTime" ? `wait ≥ ${duration(rule.threshold)}`
        : rule.trigger === "queueLength" ? `length > ${rule.threshold}` : rule.trigger;
      return el("span", { class: "tag" }, `${when} → ${rule.actions.join(", ") || "nothing"}`);
    });
    return el("td", { class: "detail" }, el("span", { class: "name" }, policy.name || policy.id), el("div", {}, rules));
  }

  function renderQueues() {
    const snap = page.snapshot;
    const rows = snap.queues.map((q) => {
      const wait = queueWait(q);
      return el("tr", { data: { queueId: q.id } },
        el("td", {}, idButton("queue", q.id), q.name ? el("span", { class: "sub" }, q.name) : null),
        el("td", { class: "num" }, el("span", { class: `big ${q.length ? "" : "zero"}`, data: { field: "length" } }, q.length)),
        el("td", {}, q.length
          ? el("span", { class: waitClass(wait), data: { field: "longest-wait" } }, duration(wait))
          : el("span", { class: "none", data: { field: "longest-wait" } }, "–")),
        el("td", { class: "num", data: { field: "assigned" } }, q.assigned),
        el("td", { class: "nowrap", data: { field: "available" } }, `${q.availableWorkers} / ${q.workers}`,
          el("span", { class: "sub" }, q.fullWorkers ? `available, ${q.fullWorkers} full` : "available")),
        distributionCell(q.distribution),
        exceptionCell(q.exceptionPolicy));
    });
    $("queues").tBodies[0].replaceChildren(...(rows.length ? rows : [emptyRow("queues", "No queues yet.")]));
    $("queues-note").textContent = `${snap.queues.length} queue${snap.queues.length === 1 ? "" : "s"}`;
  }

  function loadCell(worker) {
    const ratio = worker.capacity ? worker.usedCapacity / worker.capacity : 0;
    const level = ratio >= 1 ? "full" : "";
    return el("td", {},
      el("div", { class: "load", data: { field: "load" } },
        el("div", { class: `bar ${level}` }, el("span", { style: { width: `${Math.min(100, Math.round(ratio * 100))}%` } })),
        el("span", { class: "load-text" }, `${worker.usedCapacity} / ${worker.capacity}`)));
  }

  function renderWorkers() {
    const snap = page.snapshot;
    const rows = snap.workers.map((w) => el("tr", { data: { workerId: w.id } },
      el("td", {}, idButton("worker", w.id)),
      el("td", {}, pill(w.state), w.availableForOffers
        ? (w.canTakeJob ? null : el("span", { class: "sub", data: { field: "full" } }, "full: no room for another job"))
        : el("span", { class: "sub" }, "not taking offers")),
      loadCell(w),
      el("td", {}, w.channels.map((c) => el("span", { class: "tag", title: "capacity cost per job" },
        `${c.channelId} ×${c.capacityCostPerJob}${c.maxNumberOfJobs ? ` (max ${c.maxNumberOfJobs})` : ""}`))),
      el("td", {}, el("div", { class: "ids" }, w.queues.length ? w.queues.map((q) => idButton("queue", q)) : el("span", { class: "none" }, "–"))),
      el("td", { data: { field: "offers" } }, w.offers.length
        ? w.offers.map((o) => el("span", { class: "tag offer", title: `offer ${o.offerId}, expires ${o.expiresAt || "never"}` },
          idButton("job", o.jobId), o.expiresAt ? ` until ${clockText(new Date(o.expiresAt))}` : ""))
        : el("span", { class: "none" }, "–")),
      el("td", { data: { field: "assigned" } }, w.assignedJobs.length
        ? el("div", { class: "ids" }, w.assignedJobs.map((a) => idButton("job", a.jobId)))
        : el("span", { class: "none" }, "–"))));
    $("workers").tBodies[0].replaceChildren(...(rows.length ? rows : [emptyRow("workers", "No workers registered yet.")]));
    const counts = snap.workerCounts;
    $("workers-note").textContent = `${counts.active} active of ${counts.total}`
      + (counts.total > snap.workers.length ? ` (newest ${snap.workers.length} shown)` : "");
  }

  function selectorTag(s) {
    const classes = ["tag", s.status !== "active" ? "expired" : "", s.expedite ? "expedite" : ""].join(" ");
    const title = `${s.origin} selector${s.status !== "active" ? ` (${s.status})` : ""}${s.expedite ? ", expedite" : ""}`;
    return el("span", { class: classes, title },
      el("code", {}, `${s.key} ${OPERATORS[s.operator] || s.operator} ${JSON.stringify(s.value)}`));
  }

  function renderJobStatuses() {
    const counts = page.snapshot.jobs.counts;
    // Statuses no job is in are left out (the one selected aside): the row reads as what is happening.
    const present = Object.entries(counts).filter(([s, n]) => n || s === page.jobStatus);
    const chips = [["", "all", page.snapshot.jobs.total], ...present.map(([s, n]) => [s, s, n])]
      .map(([status, label, count]) => el("button", {
        type: "button", class: `chip ${count ? "" : "is-zero"}`, "aria-pressed": page.jobStatus === status ? "true" : "false",
        data: { status: status || "all" },
        onclick: () => { page.jobStatus = status; renderJobStatuses(); renderJobs(); },
      }, label, el("b", { class: status ? `pill s-${status}` : "pill" }, count)));
    $("job-statuses").replaceChildren(...chips);
  }

  function renderJobs() {
    const jobs = page.snapshot.jobs;
    const now = emulatorNow();
    const shown = jobs.items.filter((j) => !page.jobStatus || j.status === page.jobStatus);
    const rows = shown.map((j) => {
      const waited = j.status === "queued" && j.enqueuedAt ? (now - Date.parse(j.enqueuedAt)) / 1000 : null;
      const worker = j.workerId
        ? idButton("worker", j.workerId)
        : j.offers.length
          ? el("span", {}, "offered to ", j.offers.map((o) => idButton("worker", o.workerId)))
          : el("span", { class: "none" }, "–");
      return el("tr", { data: { jobId: j.id } },
        el("td", {}, idButton("job", j.id), el("span", { class: "sub" }, j.channelId || "")),
        el("td", { data: { field: "status" } }, pill(j.status),
          j.scheduledAt && j.status === "scheduled" ? el("span", { class: "sub" }, `at ${clockText(new Date(j.scheduledAt))}`) : null),
        el("td", {}, idButton("queue", j.queueId)),
        el("td", { class: "num" }, j.priority ?? "–"),
        el("td", {}, j.selectors.length ? j.selectors.map(selectorTag) : el("span", { class: "none" }, "any worker")),
        el("td", { data: { field: "worker" } }, worker),
        el("td", { data: { field: "waited", enqueuedAt: waited === null ? "" : j.enqueuedAt } },
          waited === null ? el("span", { class: "none" }, "–") : el("span", { class: waitClass(waited) }, duration(waited))));
    });
    $("jobs").tBodies[0].replaceChildren(...(rows.length ? rows : [emptyRow("jobs", page.jobStatus ? `No ${page.jobStatus} jobs.` : "No jobs yet.")]));
    $("jobs-note").textContent = jobs.total > jobs.items.length
      ? `showing ${jobs.items.length} of ${jobs.total} (active first)` : `${jobs.total} job${jobs.total === 1 ? "" : "s"}`;
  }

  function category(type) {
    if (/Exception|Failed|Cancelled|Expired/.test(type)) return "alert";
    if (/Offer/.test(type)) return "offer";
    if (/Queued|Classified|WaitingForActivation/.test(type)) return "queue";
    if (/Completed|Closed/.test(type)) return "done";
    if (/^RouterWorker/.test(type)) return "worker";
    return "job";
  }

  function matches(item) {
    const data = item.event.data || {};
    for (const [kind, field] of [["job", "jobId"], ["worker", "workerId"], ["queue", "queueId"]]) {
      const wanted = page.filters[kind].trim().toLowerCase();
      if (wanted && !String(data[field] ?? "").toLowerCase().includes(wanted)) return false;
    }
    return true;
  }

  function eventItem(item, fresh) {
    const event = item.event;
    const type = String(event.eventType || "").replace(/^Microsoft\.Communication\./, "");
    const data = event.data || {};
    return el("li", { class: `event c-${category(type)} ${fresh ? "fresh" : ""}`, data: { sequence: item.sequence } },
      el("time", { datetime: event.eventTime, title: event.eventTime }, clockText(new Date(event.eventTime))),
      el("span", { class: "type" }, type.replace(/^Router/, "")),
      el("span", { class: "summary" }, item.summary,
        data.queueId && !/queue/.test(item.summary) ? ` · queue ${data.queueId}` : ""));
  }

  function renderEvents(freshSequences) {
    const shown = page.events.filter(matches);
    const items = shown.slice(0, 200).map((item) => eventItem(item, freshSequences && freshSequences.has(item.sequence)));
    $("events").replaceChildren(...(items.length ? items
      : [el("li", { class: "event-empty" }, page.events.length ? "No event matches the filters." : "Waiting for events…")]));
    const filtered = Object.values(page.filters).some((f) => f.trim());
    $("events-note").textContent = filtered ? `${shown.length} of ${page.events.length} match` : `${page.events.length} received`;
  }

  function renderAll() {
    renderClock();
    renderKpis();
    renderQueues();
    renderWorkers();
    renderJobStatuses();
    renderJobs();
  }

  // -- filters -----------------------------------------------------------------------------------------------
  function setFilter(kind, value) {
    page.filters[kind] = value;
    $(`filter-${kind}`).value = value;
    renderEvents();
  }

  for (const kind of Object.keys(page.filters)) {
    $(`filter-${kind}`).addEventListener("input", (e) => { page.filters[kind] = e.target.value; renderEvents(); });
  }
  $("filter-clear").addEventListener("click", () => { for (const kind of Object.keys(page.filters)) setFilter(kind, ""); });

  function toast(text) {
    const box = $("toast");
    box.textContent = text;
    box.hidden = false;
    setTimeout(() => { box.hidden = true; }, 2500);
  }

  // -- the stream --------------------------------------------------------------------------------------------
  let pendingFresh = new Set();
  let eventsFrame = 0;

  function setLive(state, text) {
    $("live").dataset.state = state;
    $("live-text").textContent = text;
  }

  const source = new EventSource("dashboard/stream");
  source.addEventListener("open", () => setLive("live", "live"));
  source.addEventListener("error", () => setLive("reconnecting", "reconnecting…"));
  source.addEventListener("state", (message) => {
    const snapshot = JSON.parse(message.data);
    if (page.resets !== null && snapshot.resets !== page.resets) {
      page.events = [];
      page.seen.clear();
      renderEvents();
      toast("The emulator was reset: its state and events were emptied.");
    }
    page.resets = snapshot.resets;
    page.snapshot = snapshot;
    page.receivedAt = performance.now();
    renderAll();
    document.body.dataset.ready = "true";
    document.dispatchEvent(new CustomEvent("jobrouter:state")); // the statistics panel (statistics.js) follows
  });
  source.addEventListener("router", (message) => {
    const item = JSON.parse(message.data);
    if (page.seen.has(item.sequence)) return;
    page.seen.add(item.sequence);
    page.events.unshift(item);
    if (page.events.length > MAX_EVENTS) {
      for (const dropped of page.events.splice(MAX_EVENTS)) page.seen.delete(dropped.sequence);
    }
    pendingFresh.add(item.sequence);
    // A burst of events is drawn once, on the next frame.
    if (!eventsFrame) {
      eventsFrame = requestAnimationFrame(() => {
        renderEvents(pendingFresh);
        pendingFresh = new Set();
        eventsFrame = 0;
      });
    }
  });

  // Waiting times and the clock move on between snapshots; with a virtual clock they stand still, as it does.
  setInterval(() => {
    if (!page.snapshot || page.snapshot.virtualClock) return;
    renderClock();
    renderKpis();
    for (const row of document.querySelectorAll("#queues tbody tr[data-queue-id]")) {
      const queue = page.snapshot.queues.find((q) => q.id === row.dataset.queueId);
      const cell = row.querySelector('[data-field="longest-wait"]');
      if (queue && queue.length && cell) {
        const wait = queueWait(queue);
        cell.textContent = duration(wait);
        cell.className = waitClass(wait);
      }
    }
    // A queued job's wait ticks with its queue's, from the same clock.
    const now = emulatorNow();
    for (const cell of document.querySelectorAll('#jobs tbody td[data-field="waited"][data-enqueued-at]')) {
      if (!cell.dataset.enqueuedAt) continue;
      const waited = (now - Date.parse(cell.dataset.enqueuedAt)) / 1000;
      cell.replaceChildren(el("span", { class: waitClass(waited) }, duration(waited)));
    }
  }, 1000);

  renderEvents();
})();
