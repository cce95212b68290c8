// The connected EHRs and what each can do, from GET /api/emrs (`capabilities.operations`): a step an EHR
// lacks (e.g. working hours, notes or documents on Acuity) is shown as not supported and never called.

import { h } from "./dom.js";

export class Ehr {
  constructor(entry) {
    this.code = entry.code;
    this.name = entry.name || entry.code;
    this.sandbox = Boolean(entry.sandbox);
    this.operations = new Set(entry.capabilities?.operations || []);
  }

  /** The name a selector shows: whether it is a sandbox is part of it. */
  get label() {
    return this.sandbox ? `${this.name} (sandbox)` : this.name;
  }

  supports(operation) {
    return this.operations.has(operation);
  }
}

/** Only the EHRs this application is connected to, in the server's order. */
export function connectedEhrs(entries) {
  return entries.filter((entry) => entry.connected).map((entry) => new Ehr(entry));
}

/** The error a guarded call throws instead of asking the server what its capabilities already say. */
export function notSupported(ehr, operation) {
  return Object.assign(new Error(`${ehr.name} does not support ${operation}.`), {
    title: "Not supported", code: "NOT_SUPPORTED",
  });
}

/** A note saying that `what` (e.g. "Medical notes") is not supported by the EHR. */
export function unsupportedNote(ehr, operation, what) {
  return h("p", { class: "unsupported", dataset: { operation } },
    h("span", { class: "unsupported-badge", text: "Not supported" }),
    ` ${what}: ${ehr.name} does not offer this.`);
}

const gateNotes = new WeakMap();

/**
 * Shows `element` when `wanted` and the EHR supports every one of `operations` (one name or a list); when it
 * lacks one, hides it and shows a not-supported note in its place instead (one note per element, replaced on
 * each call). Returns whether the element is shown.
 */
export function gate(element, ehr, operations, what, wanted = true) {
  const missing = [operations].flat().find((operation) => !ehr.supports(operation));
  gateNotes.get(element)?.remove();
  gateNotes.delete(element);
  element.hidden = !wanted || missing !== undefined;
  if (wanted && missing !== undefined) {
    const note = unsupportedNote(ehr, missing, what);
    element.before(note);
    gateNotes.set(element, note);
  }
  return !element.hidden;
}
