// The console's entry point: state, the hash router (#/emrs/{emr}/units/{unit} and
// #/emrs/{emr}/units/{unit}/patients/{id}; the older #/units/… links open on the first connected EHR), and the
// wiring between the controls, the API and the views.

import { ApiClient, CareUnitApi } from "./api.js";
import { connectedEhrs, unsupportedNote } from "./capabilities.js";
import { withSecret } from "./credentials.js";
import { renderCalendar, selectDay } from "./calendar.js";
import { appointmentDialog, bookingDialog, setupDialogs } from "./dialogs.js";
import { h, hideProblem, replaceChildren, showProblem } from "./dom.js";
import { startEventStream } from "./events.js";
import {
  addDays, civilDateOf, formatDateTime, formatWeek, instantOf, mondayOf, nextWorkingDay, personName,
} from "./format.js";
import { renderPatientPage } from "./patient.js";

const config = JSON.parse(document.getElementById("medley-console-config").textContent);
const client = new ApiClient(config);

const $ = (id) => document.getElementById(id);
const els = {
  emr: $("emr-select"), unit: $("unit-select"), support: $("calendar-support"), legendWork: $("legend-work"),
  legendSlot: $("legend-slot"), resource: $("resource-select"), service: $("service-select"), refresh: $("refresh-button"),
  prev: $("prev-week"), thisWeek: $("this-week"), next: $("next-week"), weekLabel: $("week-label"),
  timezone: $("timezone-label"), calendar: $("calendar"), dayTabs: $("day-tabs"), calendarView: $("calendar-view"),
  calendarHeading: $("calendar-heading"), patientView: $("patient-view"), problem: $("page-problem"), status: $("status"),
};

const state = {
  ehrs: [], // the connected EHRs (capabilities.js Ehr), in the server's order
  ehr: null,
  unitsByEmr: new Map(), // EHR code -> Promise of its care units, read once per page
  units: [],
  unit: null,
  api: null,
  resources: new Map(),
  services: new Map(),
  resourceId: null,
  serviceId: "",
  serviceTouched: false, // once the user picks a service (or none), a refresh keeps that choice
  weekStart: null,
  selectedDay: 0,
  generation: 0,
  route: { view: "calendar", emr: null, unitId: null },
};

// ---- context handed to the views and dialogs -------------------------------------------------------

const emrHref = (emr) => `#/emrs/${encodeURIComponent(emr)}`;
const unitHref = (unitId, emr = state.ehr.code) => `${emrHref(emr)}/units/${encodeURIComponent(unitId)}`;
const patientHref = (patientId) => `${unitHref(state.unit.id)}/patients/${encodeURIComponent(patientId)}`;
const resourceName = (id) => state.resources.get(id)?.name || (id ? `Practitioner ${id}` : "");
const serviceName = (id) => state.services.get(id)?.name || (id ? `Service ${id}` : "");
const patientName = (id) => state.api.patient(id).then((p) => personName(p) || `Patient ${id}`, () => `Patient ${id}`);
const withDates = (item) => ({ ...item, raw: item, start: new Date(item.start), end: new Date(item.end) });

function announce(text) {
  els.status.textContent = "";
  // A fresh text node after clearing makes screen readers announce a repeated message too.
  requestAnimationFrame(() => { els.status.textContent = text; });
}

function context() {
  return {
    api: state.api,
    ehr: state.ehr,
    timeZone: state.unit.timezone,
    calendarHref: unitHref(state.unit.id),
    resourceName, serviceName, patientName, patientHref, announce,
    toAppointment: withDates,
    loadSlots: async (query) => (await state.api.timeslots(query)).map(withDates),
    openAppointment: (appointment, opener) => appointments.open(context(), appointment, opener),
  };
}

const booking = bookingDialog({
  onBooked: (appointment, patient) => {
    announce(`Booked ${formatDateTime(new Date(appointment.start), state.unit.timezone)} for ${personName(patient)}.`);
    reloadView({ focus: `[data-appointment-id="${CSS.escape(appointment.id)}"]` });
  },
  onConflict: () => reloadView(),
});

const appointments = appointmentDialog({
  onChanged: (message) => {
    announce(message);
    reloadView({ focus: "#calendar-heading" });
  },
});

// ---- loading ---------------------------------------------------------------------------------------

function fillSelect(select, options, selected) {
  replaceChildren(select, options.map(([value, label]) => h("option", { value, text: label })));
  select.value = selected;
  select.disabled = options.length === 0;
}

function servicesOf(resourceId) {
  return [...state.services.values()].filter((s) => !s.resource_ids?.length || s.resource_ids.includes(resourceId));
}

function fillServiceSelect() {
  if (!state.ehr.supports("timeslots.list")) {
    state.serviceId = "";
    fillSelect(els.service, [["", "Not supported"]], "");
    els.service.disabled = true;
    return;
  }
  const offered = servicesOf(state.resourceId);
  if (state.serviceId && !offered.some((s) => s.id === state.serviceId)) state.serviceId = offered[0]?.id || "";
  fillSelect(els.service, [["", "None (hide free slots)"],
    ...offered.map((s) => [s.id, `${s.name} (${s.duration_minutes} min)`])], state.serviceId);
}

/** `call()` when the current EHR supports `operation`, else `fallback` (the step is shown as not supported). */
function ifSupported(operation, call, fallback) {
  return state.ehr.supports(operation) ? call() : fallback;
}

async function loadReference() {
  const api = state.api;
  const [resources, services] = await Promise.all([
    ifSupported("resources.list", () => api.resources(), []),
    ifSupported("services.list", () => api.services(), []),
  ]);
  if (api !== state.api) return; // another care unit was picked meanwhile
  state.resources = new Map(resources.map((r) => [r.id, r]));
  state.services = new Map(services.map((s) => [s.id, s]));
  if (!state.resources.has(state.resourceId)) state.resourceId = resources[0]?.id || null;
  fillSelect(els.resource, resources.map((r) => [r.id, r.designation ? `${r.name} (${r.designation})` : r.name]),
    state.resourceId || "");
  if (state.serviceId === "" && !state.serviceTouched) state.serviceId = servicesOf(state.resourceId)[0]?.id || "";
  fillServiceSelect();
}

function goToToday() {
  // On a weekend the current week is all past: open on the week of the next working day instead.
  const day = nextWorkingDay(civilDateOf(new Date(), state.unit.timezone));
  state.weekStart = mondayOf(day);
  state.selectedDay = (new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay() + 6) % 7;
}

/** The calendar's steps the EHR lacks, said once above the week instead of failing in it. */
function showCalendarSupport(ehr) {
  const missing = [
    ["schedules.get", "Working hours"],
    ["appointments.list", "Appointments"],
    ["timeslots.list", "Free slots"],
    ["appointments.create", "Booking"],
  ].filter(([operation]) => !ehr.supports(operation));
  replaceChildren(els.support, missing.map(([operation, what]) => unsupportedNote(ehr, operation, what)));
  els.support.hidden = missing.length === 0;
  els.legendWork.hidden = !ehr.supports("schedules.get");
  els.legendSlot.hidden = !ehr.supports("timeslots.list");
}

function unitsOf(code) {
  let pending = state.unitsByEmr.get(code);
  if (!pending) {
    pending = client.get(`/emrs/${encodeURIComponent(code)}/care-units`);
    pending.catch(() => state.unitsByEmr.delete(code)); // a failed read is tried again next time
    state.unitsByEmr.set(code, pending);
  }
  return pending;
}

async function selectEhr(code) {
  const ehr = state.ehrs.find((e) => e.code === code);
  if (!ehr) {
    throw Object.assign(new Error(`This application has no connected EHR ${code}.`), { title: "Unknown EHR" });
  }
  const units = await unitsOf(ehr.code);
  state.ehr = ehr;
  state.units = units;
  state.unit = null;
  state.api = null;
  els.emr.value = ehr.code;
  fillSelect(els.unit, units.map((u) => [u.id, u.name]), "");
  showCalendarSupport(ehr);
}

async function selectUnit(unitId) {
  const unit = state.units.find((u) => u.id === unitId);
  if (!unit) throw Object.assign(new Error(`There is no care unit ${unitId}.`), { title: "Unknown care unit" });
  state.unit = unit;
  state.api = new CareUnitApi(client, state.ehr, unit.id);
  state.resourceId = null;
  state.serviceId = "";
  state.serviceTouched = false;
  els.unit.value = unit.id;
  els.timezone.textContent = `Times in ${unit.timezone}`;
  goToToday();
  await loadReference();
}

async function loadWeek({ focus } = {}) {
  const generation = ++state.generation;
  const tz = state.unit.timezone;
  const days = Array.from({ length: 7 }, (_, i) => addDays(state.weekStart, i));
  const start = instantOf(days[0], 0, tz);
  const end = instantOf(addDays(days[6], 1), 0, tz);
  const now = new Date();
  els.weekLabel.textContent = formatWeek(state.weekStart);
  els.calendar.setAttribute("aria-busy", "true");
  document.title = `${state.unit.name} · ${state.ehr.name} · Medley sandbox console`;
  try {
    const resourceId = state.resourceId;
    const knowsHours = state.ehr.supports("schedules.get");
    const wantSlots = Boolean(state.serviceId) && end > now;
    const [work, booked, slots] = await Promise.all([
      resourceId ? ifSupported("schedules.get", () => state.api.schedule(resourceId, start, end), []) : [],
      resourceId ? ifSupported("appointments.list",
        () => state.api.appointments({ start, end, resource_id: resourceId }), []) : [],
      wantSlots && resourceId ? ifSupported("timeslots.list",
        () => state.api.timeslots({ start, end, resource_id: resourceId, healthcare_service_id: state.serviceId }),
        []) : [],
    ]);
    if (generation !== state.generation) return;
    // Every patient of the week in one batch read, not one read per appointment.
    await state.api.primePatients(booked.map((a) => a.patient_id));
    if (generation !== state.generation) return;
    hideProblem(els.problem);
    renderCalendar(els.calendar, els.dayTabs, {
      days, today: civilDateOf(now, tz), now, timeZone: tz, selectedIndex: state.selectedDay, knowsHours,
      work: work.map(withDates), appointments: booked.map(withDates), slots: slots.map(withDates),
      showSlots: Boolean(state.serviceId), serviceName, patientName,
      onSlot: (slot, button) => booking.open(context(), slot, button),
      onAppointment: (appointment, button) => appointments.open(context(), appointment, button),
      onSelectDay: (index) => {
        state.selectedDay = index;
        selectDay(els.calendar, els.dayTabs, index);
      },
    });
    if (focus) (document.querySelector(focus) || els.calendarHeading).focus();
  } catch (error) {
    if (generation !== state.generation) return;
    showProblem(els.problem, error);
  } finally {
    if (generation === state.generation) els.calendar.setAttribute("aria-busy", "false");
  }
}

// ---- routing ---------------------------------------------------------------------------------------

function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map((p) => {
    try { return decodeURIComponent(p); } catch { return p; }
  });
  // #/units/… (before the console could switch EHR) is kept working: it names a care unit of the first EHR.
  const legacy = parts[0] === "units";
  const emr = parts[0] === "emrs" ? parts[1] || null : null;
  const rest = legacy ? parts : emr ? parts.slice(2) : [];
  const route = { view: "calendar", emr, unitId: null, legacy };
  if (rest[0] !== "units" || !rest[1]) return route;
  route.unitId = rest[1];
  if (rest[2] === "patients" && rest[3]) Object.assign(route, { view: "patient", patientId: rest[3] });
  return route;
}

function routeHref(route) {
  if (!route.unitId) return emrHref(route.emr);
  const unit = unitHref(route.unitId, route.emr);
  return route.view === "patient" ? `${unit}/patients/${encodeURIComponent(route.patientId)}` : unit;
}

function showView(name) {
  els.calendarView.hidden = name !== "calendar";
  els.patientView.hidden = name !== "patient";
}

async function reloadView(options = {}) {
  const route = state.route;
  if (route.view === "patient") {
    showView("patient");
    await renderPatientPage(els.patientView, context(), route.patientId);
  } else {
    showView("calendar");
    await loadWeek(options);
  }
}

async function onRoute() {
  const route = parseRoute(location.hash);
  const first = state.ehrs[0];
  if (!first) return; // the EHRs are not known yet: start() routes once they are
  if (!route.emr) {
    // No EHR in the link (none at all, or an old #/units/… one): the first connected EHR's.
    location.replace(routeHref({ ...route, emr: first.code }));
    return;
  }
  const leavingPatient = state.route.view === "patient" && route.view === "calendar";
  state.route = route;
  try {
    if (state.ehr?.code !== route.emr) await selectEhr(route.emr);
  } catch (error) {
    if (state.route !== route) return;
    showProblem(els.problem, error);
    if (route.emr !== first.code) location.replace(emrHref(first.code));
    return;
  }
  if (state.route !== route) return; // a newer navigation took over while this one loaded
  if (!route.unitId) {
    if (state.units.length) {
      location.replace(unitHref(state.units[0].id));
    } else {
      els.calendar.setAttribute("aria-busy", "false");
      showProblem(els.problem, { title: "No care unit", message: `${state.ehr.name} has no care unit.` });
    }
    return;
  }
  try {
    if (state.unit?.id !== route.unitId) await selectUnit(route.unitId);
  } catch (error) {
    if (state.route !== route) return;
    showProblem(els.problem, error);
    if (state.units.length && route.unitId !== state.units[0].id) location.replace(unitHref(state.units[0].id));
    return;
  }
  if (state.route !== route) return;
  await reloadView({ focus: leavingPatient ? "#calendar-heading" : null });
}

// ---- controls --------------------------------------------------------------------------------------

function wireControls() {
  els.emr.addEventListener("change", () => { location.hash = emrHref(els.emr.value); });
  els.unit.addEventListener("change", () => { location.hash = unitHref(els.unit.value); });
  els.resource.addEventListener("change", () => {
    state.resourceId = els.resource.value;
    fillServiceSelect();
    loadWeek();
  });
  els.service.addEventListener("change", () => {
    state.serviceId = els.service.value;
    state.serviceTouched = true;
    loadWeek();
  });
  els.prev.addEventListener("click", () => { state.weekStart = addDays(state.weekStart, -7); loadWeek(); });
  els.next.addEventListener("click", () => { state.weekStart = addDays(state.weekStart, 7); loadWeek(); });
  els.thisWeek.addEventListener("click", () => { goToToday(); loadWeek(); });
  els.refresh.addEventListener("click", async () => {
    if (!state.api) return;
    els.refresh.disabled = true;
    try {
      state.api.forgetPatients();
      await loadReference();
      await reloadView();
      announce("Refreshed.");
    } catch (error) {
      showProblem(els.problem, error);
    } finally {
      els.refresh.disabled = false;
    }
  });
  window.addEventListener("hashchange", onRoute);
}

async function start() {
  setupDialogs(() => (els.patientView.hidden ? els.calendarHeading : $("patient-heading")));
  wireControls();
  try {
    const emrs = await withSecret(client, config, () => client.get("/emrs"));
    // Only once the credentials are known to work: with a custom sandbox secret, they are asked for first.
    startEventStream(client, $("event-list"), $("event-note"));
    state.ehrs = connectedEhrs(emrs);
    if (!state.ehrs.length) {
      throw Object.assign(new Error("This application has no EHR connection."), { title: "Not connected" });
    }
    fillSelect(els.emr, state.ehrs.map((e) => [e.code, e.label]), "");
  } catch (error) {
    els.calendar.setAttribute("aria-busy", "false");
    showProblem(els.problem, error);
    return;
  }
  await onRoute();
}

start();
