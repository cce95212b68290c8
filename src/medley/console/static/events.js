// The live event stream of the sandbox application: the event each booking, patient, note or document
// caused, and the changes made straight in the emulator once the sync has seen them. It reads the event
// log with its cursor, exactly as an integrator's client does (GET /api/events?after=…).

import { h, replaceChildren } from "./dom.js";

const POLL_MS = 2000;
const SHOWN = 40;
const RECORD_KEYS = ["appointment_id", "patient_id", "medical_note_id", "document_id"];

function summary(event) {
  const data = event.data || {};
  const parts = RECORD_KEYS.filter((key) => data[key]).map((key) => `${key.replace(/_id$/, "")} ${data[key]}`);
  if (data.start) parts.push(`${data.start.slice(0, 16).replace("T", " ")}`);
  if (data.status) parts.push(data.status);
  return parts.join(" · ");
}

function item(event) {
  // Times as the event carries them (with their offset), never re-zoned by the browser.
  return h("li", { class: "event", dataset: { type: event.type, id: event.id } },
    h("span", { class: "event-time", text: (event.occurred_at || "").slice(11, 19) }),
    h("span", { class: "event-type", text: event.type }),
    h("span", { class: "event-summary", text: summary(event) }));
}

/** Poll the log from its end and show the newest events first in `list`; `note` says when it is paused. */
export function startEventStream(client, list, note) {
  let after = null;
  let shown = [];

  async function poll() {
    let fresh = [];
    for (;;) {
      const page = await client.get("/events", { after, limit: 1000 });
      fresh = fresh.concat(page.data);
      after = page.next_after;
      if (!page.has_more) break;
    }
    if (fresh.length) {
      shown = fresh.reverse().concat(shown).slice(0, SHOWN);
      replaceChildren(list, shown.map(item));
    }
    if (!shown.length) replaceChildren(list, h("li", { class: "event-empty", text: "No events yet." }));
  }

  async function loop() {
    try {
      await poll();
      note.textContent = "";
    } catch (error) {
      note.textContent = `Event stream paused: ${error.message}`;
    }
    setTimeout(loop, POLL_MS);
  }

  loop();
}
