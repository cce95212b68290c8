// The patient page (#/emrs/{emr}/units/{unit}/patients/{id}): details, appointments, medical notes and
// documents; what the EHR does not support (e.g. notes and documents on Acuity) is said so, never requested.
// Note content comes from the EHR and may hold HTML: it is only ever read as text.

import { unsupportedNote } from "./capabilities.js";
import { facts, h, hideProblem, replaceChildren, saveBlob, showProblem } from "./dom.js";
import {
  civilDateOf, formatBirthDate, formatBytes, formatDate, formatDateTime, formatTimeRange, personName,
  statusLabel,
} from "./format.js";

function section(id, title, ...children) {
  return h("section", { class: "panel", id, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title`, text: title }), ...children);
}

function loading() {
  return h("p", { class: "hint", text: "Loading…" });
}

function addressText(address) {
  if (!address) return null;
  return [address.line1, address.line2, address.city, address.state, address.postal_code, address.country]
    .filter(Boolean).join(", ") || null;
}

/** Text of an EHR answer that may be HTML: parsed in an inert document (no script runs), read as text. */
function plainText(value) {
  if (typeof value !== "string") return value === null || value === undefined ? "" : JSON.stringify(value);
  if (!/[<&]/.test(value)) return value;
  const doc = new DOMParser().parseFromString(value.replace(/<br\s*\/?>/gi, "\n"), "text/html");
  return doc.body.textContent || "";
}

function noteBody(content) {
  if (typeof content?.unstructured === "string") return h("p", { class: "note-text", text: content.unstructured });
  if (Array.isArray(content?.sections)) {
    return h("div", { class: "note-sections" }, content.sections.map((s) => h("div", { class: "note-section" },
      s.name ? h("h4", { text: plainText(s.name) }) : null,
      (s.questions || []).map((q) => h("div", { class: "note-question" },
        q.name ? h("p", { class: "note-question-name", text: plainText(q.name) }) : null,
        h("p", { class: "note-text", text: plainText(q.answer ?? (q.answers || []).map((a) => a.value).join(", ")) }))))));
  }
  return h("pre", { class: "note-text", text: JSON.stringify(content ?? {}, null, 2) });
}

function renderNotes(container, notes, ctx) {
  if (!notes.length) return replaceChildren(container, h("p", { class: "hint", text: "No medical notes." }));
  const sorted = [...notes].sort((a, b) => new Date(b.created_at || 0) - new Date(a.created_at || 0));
  // Notes are long: each one folds, the newest starts open.
  replaceChildren(container, sorted.map((note, index) => h("details", {
    class: "note", dataset: { noteId: note.id }, open: index === 0,
  },
  h("summary", { class: "note-summary" },
    h("span", { class: "note-title", text: note.title || "Untitled note" }),
    h("span", { class: `badge ${note.signed ? "badge-signed" : "badge-draft"}`, text: note.signed ? "Signed" : "Draft" }),
    h("span", { class: "note-meta" },
      note.created_at ? formatDateTime(new Date(note.created_at), ctx.timeZone) : "",
      note.created_by_id ? ` · ${ctx.resourceName(note.created_by_id)}` : "")),
  noteBody(note.content))));
}

function renderAppointments(container, appointments, ctx) {
  if (!appointments.length) return replaceChildren(container, h("p", { class: "hint", text: "No appointments." }));
  const tz = ctx.timeZone;
  const rows = [...appointments].sort((a, b) => new Date(b.start) - new Date(a.start)).map((raw) => {
    const appointment = ctx.toAppointment(raw);
    const open = appointment.status === "booked" || appointment.status === "awaiting_confirmation";
    return h("tr", { class: `row-${appointment.status}`, dataset: { appointmentId: appointment.id } },
      h("td", { class: "nowrap", text: formatDate(civilDateOf(appointment.start, tz)) }),
      h("td", { text: formatTimeRange(appointment.start, appointment.end, tz) }),
      h("td", { text: ctx.resourceName(appointment.resource_id) }),
      h("td", { text: ctx.serviceName(appointment.healthcare_service_id) }),
      h("td", {}, h("span", { class: `status-pill status-${appointment.status}`, text: statusLabel(appointment.status) })),
      h("td", {}, open ? h("button", { type: "button", class: "button button-small",
        onclick: (event) => ctx.openAppointment(appointment, event.currentTarget) }, "Manage") : ""));
  });
  replaceChildren(container, h("div", { class: "table-scroll" }, h("table", {},
    h("caption", { class: "visually-hidden", text: `Appointments, times in ${tz}` }),
    h("thead", {}, h("tr", {}, ["Date", "Time", "Practitioner", "Service", "Status", ""].map((t) =>
      h("th", { scope: "col" }, t || h("span", { class: "visually-hidden", text: "Actions" }))))),
    h("tbody", {}, rows))));
}

function renderDocuments(container, documents, ctx, patientId, problem) {
  if (!documents.length) return replaceChildren(container, h("p", { class: "hint", text: "No documents." }));
  const rows = documents.map((doc) => h("tr", { dataset: { documentId: doc.id } },
    h("td", { text: doc.title || `Document ${doc.id}` }),
    h("td", { text: doc.type || "" }),
    h("td", { text: doc.format || "" }),
    h("td", { text: formatBytes(doc.size) }),
    h("td", { text: doc.created_at ? formatDateTime(new Date(doc.created_at), ctx.timeZone) : "" }),
    h("td", {}, !ctx.ehr.supports("documents.get") ? "" : h("button", {
      type: "button", class: "button button-small",
      "aria-label": `Download ${doc.title || `document ${doc.id}`}`,
      onclick: async (event) => {
        const button = event.currentTarget;
        button.disabled = true;
        hideProblem(problem);
        try {
          const { blob, filename } = await ctx.api.downloadDocument(patientId, doc);
          saveBlob(blob, filename);
          ctx.announce(`Downloaded ${filename}.`);
        } catch (error) {
          showProblem(problem, error);
        } finally {
          button.disabled = false;
        }
      },
    }, "Download"))));
  replaceChildren(container, h("div", { class: "table-scroll" }, h("table", {},
    h("thead", {}, h("tr", {}, ["Title", "Type", "Format", "Size", "Added", ""].map((t) =>
      h("th", { scope: "col" }, t || h("span", { class: "visually-hidden", text: "Actions" }))))),
    h("tbody", {}, rows))));
}

function readAsBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function uploadForm(ctx, patientId, problem, reload) {
  const form = h("form", { class: "upload-form", novalidate: true },
    h("h3", { text: "Attach a document" }),
    h("div", { class: "field-row" },
      h("label", { for: "upload-file" }, "File", h("input", { id: "upload-file", name: "file", type: "file", required: true })),
      h("label", { for: "upload-title" }, "Title", h("input", { id: "upload-title", name: "title", maxlength: "200" })),
      h("label", { for: "upload-type" }, "Type (optional)",
        h("input", { id: "upload-type", name: "type", maxlength: "50", placeholder: "e.g. Referral" })),
      h("button", { type: "submit", class: "button" }, "Upload")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.elements.file.files[0];
    hideProblem(problem);
    if (!file) {
      showProblem(problem, { title: "Choose a file to upload" });
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await ctx.api.uploadDocument(patientId, {
        content: await readAsBase64(file),
        format: file.type || "application/octet-stream",
        title: form.elements.title.value.trim() || file.name,
        type: form.elements.type.value.trim() || null,
      });
      form.reset();
      ctx.announce("Document uploaded.");
      await reload();
    } catch (error) {
      showProblem(problem, error);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** Renders what `load` returns, or its error readably; when the EHR lacks `operation`, says so instead. */
async function fill(container, load, render, { ehr, operation, what }) {
  if (!ehr.supports(operation)) {
    replaceChildren(container, unsupportedNote(ehr, operation, what));
    return;
  }
  try {
    render(await load());
  } catch (error) {
    const box = h("div", { class: "problem", role: "alert" });
    replaceChildren(container, box);
    showProblem(box, error);
  }
}

/**
 * Renders the page into `view`. `ctx`: {api, ehr, timeZone, calendarHref, resourceName(id), serviceName(id),
 * toAppointment(raw), openAppointment(appointment, button), announce(text)}.
 */
export async function renderPatientPage(view, ctx, patientId) {
  const heading = h("h1", { id: "patient-heading", class: "view-title", tabindex: "-1", text: "Patient" });
  const details = h("div", {}, loading());
  const appointments = h("div", {}, loading());
  const notes = h("div", {}, loading());
  const documents = h("div", {}, loading());
  const documentProblem = h("div", { class: "problem", role: "alert", hidden: true });
  const step = (operation, what) => ({ ehr: ctx.ehr, operation, what });
  const loadDocuments = () => fill(documents, () => ctx.api.documents(patientId),
    (list) => renderDocuments(documents, list, ctx, patientId, documentProblem), step("documents.list", "Documents"));
  replaceChildren(view,
    h("nav", { class: "breadcrumbs", "aria-label": "Breadcrumbs" },
      h("a", { class: "link", href: ctx.calendarHref, text: "← Calendar" })),
    heading,
    details,
    section("patient-appointments", "Appointments", h("p", { class: "hint", text: `Times in ${ctx.timeZone}` }),
      appointments),
    section("patient-notes", "Medical notes", notes),
    section("patient-documents", "Documents", documentProblem, documents,
      // No upload form where the EHR keeps no documents; where it lists none but takes them, the form says so.
      !ctx.ehr.supports("documents.list") ? null : ctx.ehr.supports("documents.create")
        ? uploadForm(ctx, patientId, documentProblem, loadDocuments)
        : unsupportedNote(ctx.ehr, "documents.create", "Attaching documents")));
  heading.focus();

  await Promise.all([
    fill(details, () => ctx.api.patient(patientId), (patient) => {
      heading.textContent = personName(patient) || `Patient ${patient.id}`;
      document.title = `${heading.textContent} · Medley sandbox console`;
      replaceChildren(details, facts([
        ["Birth date", patient.birth_date ? formatBirthDate(patient.birth_date) : null],
        ["Gender", patient.gender],
        ["Phone", patient.phones],
        ["Email", patient.emails],
        ["Address", addressText(patient.address)],
        ["External id", patient.external_id],
        ["Patient id", patient.id],
      ]));
    }, step("patients.get", "Patient details")),
    fill(appointments, () => ctx.api.appointments({ patient_id: patientId }),
      (list) => renderAppointments(appointments, list, ctx), step("appointments.list", "Appointments")),
    fill(notes, () => ctx.api.notes(patientId), (list) => renderNotes(notes, list, ctx),
      step("notes.list", "Medical notes")),
    loadDocuments(),
  ]);
}
