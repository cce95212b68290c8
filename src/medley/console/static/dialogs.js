// The booking and appointment dialogs (<dialog> elements of the page): Esc or Close closes them and focus
// returns to the button that opened them, or to a stable heading when a refresh has replaced that button.

import { gate } from "./capabilities.js";
import { h, hideProblem, replaceChildren, showProblem } from "./dom.js";
import {
  civilDateOf, dateKey, formatBirthDate, formatDateTime, formatLongDay, formatTime, formatTimeRange,
  personName, statusLabel,
} from "./format.js";

const RESCHEDULE_DAYS = 14;
const RESCHEDULE_MAX_SLOTS = 60;
const openers = new WeakMap();

function problemArea(dialog) {
  return dialog.querySelector(".dialog-problem");
}

function setBusy(button, busy) {
  button.disabled = busy;
  button.setAttribute("aria-busy", String(busy));
}

/** Wires Close buttons and focus return for every dialog of the page. */
export function setupDialogs(fallbackFocus) {
  for (const dialog of document.querySelectorAll("dialog")) {
    for (const button of dialog.querySelectorAll("[data-close]")) {
      button.addEventListener("click", () => dialog.close());
    }
    dialog.addEventListener("close", () => {
      const opener = openers.get(dialog);
      openers.delete(dialog);
      (opener?.isConnected ? opener : fallbackFocus())?.focus();
    });
  }
}

function openModal(dialog, opener) {
  openers.set(dialog, opener || document.activeElement);
  hideProblem(problemArea(dialog));
  dialog.showModal();
}

function patientLabel(patient) {
  const born = patient.birth_date ? `born ${formatBirthDate(patient.birth_date)}` : null;
  return [personName(patient) || `Patient ${patient.id}`, born, `#${patient.id}`].filter(Boolean).join(" · ");
}

/**
 * Book a free slot: find the patient by name (or create one), then POST the appointment.
 * `onBooked(appointment, patient)` runs after a success, `onConflict()` after a 409 (the slot went away).
 */
export function bookingDialog({ onBooked, onConflict }) {
  const dialog = document.getElementById("book-dialog");
  const summary = document.getElementById("book-summary");
  const searchForm = document.getElementById("patient-search-form");
  const results = document.getElementById("search-results");
  const newPatient = document.getElementById("new-patient");
  const newForm = document.getElementById("new-patient-form");
  const bookForm = document.getElementById("book-form");
  const chosen = document.getElementById("book-patient");
  const submit = document.getElementById("book-submit");
  let ctx = null;
  let slot = null;
  let patient = null;

  const choose = (value) => {
    patient = value;
    chosen.textContent = value ? `Patient: ${patientLabel(value)}` : "No patient selected.";
    submit.disabled = !value;
  };

  const showResults = (patients) => {
    if (!patients.length) {
      replaceChildren(results, h("p", { class: "hint", text: "No patient with that name: create one below." }));
      // Carry the names over, so a new patient needs only the missing details.
      newForm.elements.first_name.value ||= searchForm.elements.first_name.value.trim();
      newForm.elements.last_name.value ||= searchForm.elements.last_name.value.trim();
      newPatient.open = true;
      return;
    }
    const group = h("fieldset", { class: "choices" }, h("legend", { class: "visually-hidden", text: "Patients found" }));
    for (const found of patients.slice(0, 25)) {
      const input = h("input", { type: "radio", name: "patient", value: found.id,
        onchange: () => choose(found) });
      group.append(h("label", { class: "choice" }, input, h("span", { text: patientLabel(found) })));
    }
    replaceChildren(results, group);
    if (patients.length === 1) {
      group.querySelector("input").checked = true;
      choose(patients[0]);
    }
  };

  searchForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const first = searchForm.elements.first_name.value.trim();
    const last = searchForm.elements.last_name.value.trim();
    hideProblem(problemArea(dialog));
    if (!first && !last) {
      replaceChildren(results, h("p", { class: "hint", text: "Type a first or a last name." }));
      return;
    }
    const button = searchForm.querySelector("button[type=submit]");
    setBusy(button, true);
    try {
      showResults(await ctx.api.searchPatients({ first_name: first, last_name: last }));
    } catch (error) {
      showProblem(problemArea(dialog), error);
    } finally {
      setBusy(button, false);
    }
  });

  newForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = newForm.elements;
    const body = { first_name: fields.first_name.value.trim(), last_name: fields.last_name.value.trim() };
    if (!body.first_name || !body.last_name) {
      showProblem(problemArea(dialog), { title: "First and last name are required" });
      return;
    }
    if (fields.birth_date.value) body.birth_date = fields.birth_date.value;
    if (fields.email.value.trim()) body.emails = [fields.email.value.trim()];
    if (fields.phone.value.trim()) body.phones = [fields.phone.value.trim()];
    const button = newForm.querySelector("button[type=submit]");
    setBusy(button, true);
    hideProblem(problemArea(dialog));
    try {
      const created = await ctx.api.createPatient(body);
      showResults([created]);
      newPatient.open = false;
      submit.focus();
    } catch (error) {
      showProblem(problemArea(dialog), error);
    } finally {
      setBusy(button, false);
    }
  });

  bookForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!patient || !slot) return;
    const comment = bookForm.elements.comment.value.trim();
    setBusy(submit, true);
    hideProblem(problemArea(dialog));
    try {
      const [appointment] = await ctx.api.book({
        start: slot.raw.start, end: slot.raw.end, patient_id: patient.id, resource_id: slot.resource_id,
        healthcare_service_id: slot.healthcare_service_id, comment: comment || null,
      });
      ctx.api.rememberPatient(patient);
      dialog.close();
      onBooked(appointment, patient);
    } catch (error) {
      showProblem(problemArea(dialog), error);
      if (error.status === 409) onConflict();
    } finally {
      setBusy(submit, !patient);
    }
  });

  return {
    open(context, freeSlot, opener) {
      ctx = context;
      slot = freeSlot;
      const day = formatLongDay(civilDateOf(slot.start, ctx.timeZone));
      summary.textContent = `${day}, ${formatTimeRange(slot.start, slot.end, ctx.timeZone)} · `
        + `${ctx.resourceName(slot.resource_id)} · ${ctx.serviceName(slot.healthcare_service_id)}`;
      searchForm.reset();
      newForm.reset();
      bookForm.reset();
      newPatient.open = false;
      results.replaceChildren();
      choose(null);
      // Each step the EHR lacks is said in its place rather than tried.
      gate(searchForm, ctx.ehr, "patients.search", "Finding patients");
      gate(newPatient, ctx.ehr, "patients.create", "New patients");
      gate(submit, ctx.ehr, "appointments.create", "Booking");
      openModal(dialog, opener);
    },
  };
}

/** Group slots by their day in the zone, keeping order. */
function byDay(slots, timeZone) {
  const days = new Map();
  for (const slot of slots) {
    const date = civilDateOf(slot.start, timeZone);
    const key = dateKey(date);
    if (!days.has(key)) days.set(key, { date, slots: [] });
    days.get(key).slots.push(slot);
  }
  return [...days.values()];
}

/**
 * Show one appointment; reschedule it to another free slot of the same practitioner and service, or cancel
 * it. `onChanged(message)` runs after a success.
 */
export function appointmentDialog({ onChanged }) {
  const dialog = document.getElementById("appointment-dialog");
  const details = document.getElementById("appointment-details");
  const patientLink = document.getElementById("appointment-patient-link");
  const reschedule = document.getElementById("reschedule-section");
  const note = document.getElementById("reschedule-note");
  const picker = document.getElementById("reschedule-slots");
  const move = document.getElementById("reschedule-submit");
  const cancelForm = document.getElementById("cancel-form");
  const cancelButton = document.getElementById("cancel-submit");
  let ctx = null;
  let appointment = null;
  let target = null;
  let generation = 0;

  patientLink.addEventListener("click", () => dialog.close());

  const pick = (slot, button) => {
    target = slot;
    for (const other of picker.querySelectorAll("button[aria-pressed]")) other.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-pressed", "true");
    move.disabled = false;
  };

  const loadSlots = async () => {
    const mine = ++generation;
    target = null;
    move.disabled = true;
    if (!appointment.healthcare_service_id) {
      note.textContent = "This appointment has no service, so its free slots cannot be listed.";
      picker.replaceChildren();
      return;
    }
    note.textContent = "Loading free slots…";
    picker.replaceChildren();
    const now = new Date();
    try {
      const slots = await ctx.loadSlots({
        start: now, end: new Date(now.getTime() + RESCHEDULE_DAYS * 86_400_000),
        resource_id: appointment.resource_id, healthcare_service_id: appointment.healthcare_service_id,
      });
      if (mine !== generation) return;
      const shown = slots.slice(0, RESCHEDULE_MAX_SLOTS);
      note.textContent = shown.length
        ? `Free slots of the same practitioner and service in the next ${RESCHEDULE_DAYS} days`
          + (slots.length > shown.length ? ` (the first ${shown.length}).` : ".")
        : `No free slot in the next ${RESCHEDULE_DAYS} days.`;
      replaceChildren(picker, byDay(shown, ctx.timeZone).map(({ date, slots: daySlots }) =>
        h("div", { class: "picker-day" },
          h("h4", { text: formatLongDay(date) }),
          h("div", { class: "picker-slots" }, daySlots.map((slot) => h("button", {
            type: "button", class: "button picker-slot", "aria-pressed": "false",
            "aria-label": `${formatLongDay(date)}, ${formatTimeRange(slot.start, slot.end, ctx.timeZone)}`,
            dataset: { start: slot.raw.start },
            onclick: (event) => pick(slot, event.currentTarget),
          }, formatTime(slot.start, ctx.timeZone)))))));
    } catch (error) {
      if (mine !== generation) return;
      note.textContent = "Free slots could not be loaded.";
      showProblem(problemArea(dialog), error);
    }
  };

  move.addEventListener("click", async () => {
    if (!target) return;
    setBusy(move, true);
    hideProblem(problemArea(dialog));
    try {
      const moved = await ctx.api.updateAppointment(appointment.id, { start: target.raw.start, end: target.raw.end });
      dialog.close();
      onChanged(`Moved to ${formatDateTime(new Date(moved.start), ctx.timeZone)}.`);
    } catch (error) {
      showProblem(problemArea(dialog), error);
      setBusy(move, false);
      if (error.status === 409) loadSlots();
    } finally {
      move.setAttribute("aria-busy", "false");
    }
  });

  cancelForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const comment = cancelForm.elements.comment.value.trim();
    setBusy(cancelButton, true);
    hideProblem(problemArea(dialog));
    try {
      await ctx.api.updateAppointment(appointment.id, { status: "cancelled", comment: comment || null });
      dialog.close();
      onChanged(`Cancelled the appointment of ${formatDateTime(appointment.start, ctx.timeZone)}.`);
    } catch (error) {
      showProblem(problemArea(dialog), error);
    } finally {
      setBusy(cancelButton, false);
    }
  });

  return {
    open(context, value, opener) {
      ctx = context;
      appointment = value;
      const tz = ctx.timeZone;
      const patientName = h("span", { text: appointment.patient_id ? "…" : "No patient" });
      if (appointment.patient_id) {
        ctx.patientName(appointment.patient_id).then((name) => { patientName.textContent = name; });
      }
      const rows = [
        ["When", `${formatLongDay(civilDateOf(appointment.start, tz))}, `
          + `${formatTimeRange(appointment.start, appointment.end, tz)} (${tz})`],
        ["Status", statusLabel(appointment.status)],
        ["Patient", patientName],
        ["Practitioner", ctx.resourceName(appointment.resource_id)],
        ["Service", ctx.serviceName(appointment.healthcare_service_id)],
        ["Comment", appointment.comment],
        ["Appointment id", appointment.id],
      ];
      replaceChildren(details, rows.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([label, v]) =>
        h("div", { class: "fact" }, h("dt", { text: label }), h("dd", {}, v))));
      patientLink.hidden = !appointment.patient_id;
      if (appointment.patient_id) patientLink.href = ctx.patientHref(appointment.patient_id);
      const open = appointment.status === "booked" || appointment.status === "awaiting_confirmation";
      const canMove = gate(reschedule, ctx.ehr, ["appointments.update", "timeslots.list"], "Rescheduling", open);
      gate(cancelForm, ctx.ehr, "appointments.cancel", "Cancelling", open);
      cancelForm.reset();
      picker.replaceChildren();
      openModal(dialog, opener);
      if (canMove) loadSlots();
    },
  };
}

