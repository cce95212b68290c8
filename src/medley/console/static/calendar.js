// The week view: one column per day; working hours shaded, appointments and free slots positioned by time.
// On narrow screens CSS shows only the selected day, picked with the day tabs.

import { h, replaceChildren } from "./dom.js";
import {
  addDays, dateKey, formatDay, formatLongDay, formatTime, formatTimeRange, instantOf, minutesIntoDay,
  nameForms, statusLabel,
} from "./format.js";
import { assignColumns, hourRange, slotSpans } from "./layout.js";

const DAY_MINUTES = 24 * 60;

/** The part of [start, end) that falls on `day`, in minutes since its local midnight, or null. */
function clip(start, end, day) {
  if (end <= day.start || start >= day.end) return null;
  const from = start <= day.start ? 0 : minutesIntoDay(start, day.timeZone);
  const to = end >= day.end ? DAY_MINUTES : minutesIntoDay(end, day.timeZone);
  return to > from ? { from, to } : null;
}

function bucketByDay(days, items, add) {
  for (const item of items) {
    for (const day of days) {
      const span = clip(item.start, item.end, day);
      if (span) add(day, { ...span, value: item });
    }
  }
}

function hourLabel(hour) {
  return formatTime(new Date(Date.UTC(2000, 0, 1, hour)), "UTC");
}

function position(element, span, range) {
  const total = (range.last - range.first) * 60;
  const top = Math.max(0, span.from - range.first * 60);
  const bottom = Math.min(total, span.to - range.first * 60);
  element.style.top = `${(top / total) * 100}%`;
  element.style.height = `${(Math.max(bottom - top, 0) / total) * 100}%`;
}

function appointmentButton(model, entry, day) {
  const appointment = entry.item.value;
  const tz = model.timeZone;
  const patient = h("span", { class: "appointment-patient" }, appointment.patient_id ? "…" : "No patient");
  const service = model.serviceName(appointment.healthcare_service_id);
  const short = (appointment.end - appointment.start) / 60_000 < 30;
  const button = h("button", {
    type: "button",
    class: `appointment status-${appointment.status}${short ? " is-short" : ""}`,
    title: `${formatTimeRange(appointment.start, appointment.end, tz)} ${statusLabel(appointment.status)}`,
    dataset: { appointmentId: appointment.id, status: appointment.status },
    onclick: (event) => model.onAppointment(appointment, event.currentTarget),
  },
  // Under 30 minutes there is one line: the patient alone (the block's place says when; the title has it all).
  short ? null : h("span", { class: "appointment-time", text: formatTimeRange(appointment.start, appointment.end, tz) }),
  patient,
  service ? h("span", { class: "appointment-service", text: service }) : null,
  appointment.status !== "booked" ? h("span", { class: "appointment-status", text: statusLabel(appointment.status) })
    : null,
  h("span", { class: "visually-hidden", text: `, ${formatLongDay(day.date)}` }));
  if (appointment.patient_id) {
    model.patientName(appointment.patient_id).then((name) => {
      // The whole name where it fits, else "Ada L." rather than a name cut to "Ad…"; always whole in the title.
      patient.textContent = name;
      const fits = () => !patient.isConnected || patient.scrollWidth <= patient.clientWidth;
      if (!fits()) {
        // Seen in the longest form that fits whole ("Ada L.", never "Ad…"); read, and found, whole.
        const shown = h("span", { "aria-hidden": "true" });
        replaceChildren(patient, [shown, h("span", { class: "visually-hidden", text: name })]);
        for (const form of nameForms(name).slice(1)) {
          shown.textContent = form;
          if (fits()) break;
        }
      }
      button.title = `${name}, ${button.title}`;
    });
  }
  const item = h("li", { class: "lane-item" }, button);
  position(item, entry.item, model.range);
  item.style.left = `${(entry.column / entry.columns) * 100}%`;
  item.style.width = `${100 / entry.columns}%`;
  return item;
}

function slotButton(model, span, day) {
  const slot = span.value;
  const tz = model.timeZone;
  const range = formatTimeRange(slot.start, slot.end, tz);
  const button = h("button", {
    type: "button",
    class: "slot",
    dataset: { start: slot.start.toISOString(), end: slot.end.toISOString() },
    "aria-label": `Book ${range}, ${formatLongDay(day.date)}`,
    title: `Free ${range}`,
    onclick: (event) => model.onSlot(slot, event.currentTarget),
  }, formatTime(slot.start, tz));
  const item = h("li", { class: "lane-item" }, button);
  position(item, { from: span.from, to: span.drawTo }, model.range);
  return item;
}

function dayColumn(model, day, index) {
  const tz = model.timeZone;
  const isToday = dateKey(day.date) === dateKey(model.today);
  const body = h("div", { class: "day-body" });
  for (const span of day.work) {
    const block = h("div", { class: "work-block", "aria-hidden": "true" });
    position(block, span, model.range);
    body.append(block);
  }
  if (isToday) {
    const minutes = minutesIntoDay(model.now, tz);
    if (minutes >= model.range.first * 60 && minutes < model.range.last * 60) {
      const line = h("div", { class: "now-line", "aria-hidden": "true" });
      position(line, { from: minutes, to: minutes }, model.range);
      body.append(line);
    }
  }
  const appointments = h("ol", { class: "lane lane-appointments", "aria-label": "Appointments" },
    assignColumns(day.appointments).map((entry) => appointmentButton(model, entry, day)));
  body.append(appointments);
  if (model.showSlots) {
    body.append(h("ol", { class: "lane lane-slots", "aria-label": "Free slots" },
      slotSpans(day.slots).map((span) => slotButton(model, span, day))));
  }
  // Without the EHR's working hours (schedules not supported), an empty day is not a day off: say nothing.
  const hours = day.work.length
    ? day.work.map((w) => formatTimeRange(w.value.start, w.value.end, tz)).join(", ")
    : model.knowsHours === false ? "" : "Not working";
  const classes = ["day"];
  if (isToday) classes.push("is-today");
  if (index === model.selectedIndex) classes.push("is-selected");
  return h("section", { class: classes.join(" "), "aria-label": formatLongDay(day.date), dataset: { date: dateKey(day.date) } },
    h("h3", { class: "day-head" },
      h("span", { class: "day-name", text: formatDay(day.date) }),
      h("span", { class: "day-hours", text: hours })),
    body);
}

function dayTabs(tabs, model) {
  replaceChildren(tabs, model.days.map((date, index) => h("button", {
    type: "button",
    class: "day-tab",
    "aria-pressed": String(index === model.selectedIndex),
    onclick: () => model.onSelectDay(index),
  }, formatDay(date))));
}

/**
 * Draws the week. `model`: {days (civil dates), today, now, timeZone, selectedIndex, knowsHours (false when the
 * EHR gives no working hours), work, appointments,
 * slots (all with Date start/end), showSlots, serviceName(id), patientName(id) -> Promise<string>,
 * onSlot(slot, button), onAppointment(appointment, button), onSelectDay(index)}.
 */
export function renderCalendar(container, tabs, model) {
  const tz = model.timeZone;
  const days = model.days.map((date) => ({
    date, timeZone: tz, start: instantOf(date, 0, tz), end: instantOf(addDays(date, 1), 0, tz),
    work: [], appointments: [], slots: [],
  }));
  bucketByDay(days, model.work, (day, span) => day.work.push(span));
  bucketByDay(days, model.appointments, (day, span) => day.appointments.push(span));
  if (model.showSlots) bucketByDay(days, model.slots, (day, span) => day.slots.push(span));
  const spans = days.flatMap((d) => [...d.work, ...d.appointments, ...d.slots]);
  const range = hourRange(spans);
  const full = { ...model, range };

  const axis = h("div", { class: "time-axis", "aria-hidden": "true" },
    h("div", { class: "day-head time-axis-head" }),
    h("div", { class: "day-body time-axis-body" }));
  for (let hour = range.first; hour < range.last; hour += 1) {
    const label = h("span", { class: "hour-label", text: hourLabel(hour) });
    position(label, { from: hour * 60, to: hour * 60 }, range);
    axis.lastChild.append(label);
  }
  const grid = h("div", { class: `calendar-grid${model.showSlots ? " with-slots" : ""}` }, axis,
    days.map((day, index) => dayColumn(full, day, index)));
  grid.style.setProperty("--hours", String(range.last - range.first));
  replaceChildren(container, grid);
  dayTabs(tabs, model);
}

/** Shows another day on narrow screens without redrawing (focus stays on the day tab). */
export function selectDay(container, tabs, index) {
  container.querySelectorAll(".day").forEach((day, i) => day.classList.toggle("is-selected", i === index));
  tabs.querySelectorAll(".day-tab").forEach((tab, i) => tab.setAttribute("aria-pressed", String(i === index)));
}
