// The gateway's public HTTP API, called exactly as an integrator's client calls it: the two
// x-leyr-client-* headers on every request, an Idempotency-Key on every write.

import { notSupported } from "./capabilities.js";

/** A failed call: the problem+json body when the server sent one. */
export class ApiError extends Error {
  constructor(status, problem, requestId) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem || null;
    this.requestId = problem?.instance || requestId || null;
  }

  get title() {
    if (this.status === 0) return "Could not reach the server";
    return this.problem?.title || `HTTP ${this.status}`;
  }

  get code() {
    return this.problem?.code || null;
  }

  /** The detailed error codes, e.g. NO_TIMESLOTS_AVAILABLE, with their explanations. */
  get details() {
    return (this.problem?.errors || []).map((e) => ({ code: e.error_code, text: e.details, path: e.path }));
  }
}

function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context; getRandomValues does not.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function queryString(query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === null || item === undefined || item === "") continue;
      params.append(key, item instanceof Date ? item.toISOString() : String(item));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function filenameOf(response, fallback) {
  const disposition = response.headers.get("content-disposition") || "";
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  return match ? decodeURIComponent(match[1]) : fallback;
}

export class ApiClient {
  constructor({ apiBase, headers }) {
    this.base = apiBase.replace(/\/$/, "");
    this.headers = headers;
  }

  async send(method, path, { query, body } = {}) {
    const headers = { ...this.headers, accept: "application/json, application/problem+json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (method === "POST" || method === "PATCH") headers["idempotency-key"] = newIdempotencyKey();
    let response;
    try {
      response = await fetch(this.base + path + queryString(query), {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
      });
    } catch {
      throw new ApiError(0, { title: "Could not reach the server", detail: "Check that Medley is running." });
    }
    if (!response.ok) {
      let problem = null;
      try {
        problem = await response.json();
      } catch {
        problem = { title: response.statusText || `HTTP ${response.status}` };
      }
      throw new ApiError(response.status, problem, response.headers.get("x-request-id"));
    }
    return response;
  }

  async get(path, query) {
    return (await this.send("GET", path, { query })).json();
  }

  async post(path, body) {
    return (await this.send("POST", path, { body })).json();
  }

  async patch(path, body) {
    return (await this.send("PATCH", path, { body })).json();
  }

  async file(path, fallbackName) {
    const response = await this.send("GET", path);
    return { blob: await response.blob(), filename: filenameOf(response, fallbackName) };
  }
}

/** At most `size` calls at once: patient look-ups must not burst the EHR's rate limit. */
function limiter(size) {
  let active = 0;
  const waiting = [];
  const next = () => {
    if (active >= size || waiting.length === 0) return;
    active += 1;
    const { task, resolve, reject } = waiting.shift();
    task().then(resolve, reject).finally(() => {
      active -= 1;
      next();
    });
  };
  return (task) => new Promise((resolve, reject) => {
    waiting.push({ task, resolve, reject });
    next();
  });
}

// The gateway's bound on GET …/patients?ids= (one upstream read).
const BATCH_PATIENTS = 100;

/**
 * The calls of one care unit of one EHR (an `Ehr` of capabilities.js); patients are looked up lazily and cached
 * until the next refresh. A call the EHR's capabilities lack is refused here, never sent.
 */
export class CareUnitApi {
  constructor(client, ehr, unitId) {
    this.client = client;
    this.ehr = ehr;
    this.prefix = `/emrs/${encodeURIComponent(ehr.code)}/care-units/${encodeURIComponent(unitId)}`;
    this.patients = new Map();
    this.queue = limiter(4);
  }

  path(...segments) {
    return this.prefix + segments.map((s) => `/${encodeURIComponent(s)}`).join("");
  }

  /** `call()` when the EHR supports `operation`, else a rejected promise that never reached the server. */
  guarded(operation, call) {
    return this.ehr.supports(operation) ? call() : Promise.reject(notSupported(this.ehr, operation));
  }

  resources() {
    return this.guarded("resources.list", () => this.client.get(this.path("resources")));
  }

  services() {
    return this.guarded("services.list", () => this.client.get(this.path("healthcare-services")));
  }

  schedule(resourceId, start, end) {
    return this.guarded("schedules.get",
      () => this.client.get(this.path("resources", resourceId, "schedules"), { start, end }));
  }

  appointments(query) {
    return this.guarded("appointments.list", () => this.client.get(this.path("appointments"), query));
  }

  timeslots(query) {
    return this.guarded("timeslots.list", () => this.client.get(this.path("timeslots"), query));
  }

  patient(patientId) {
    let pending = this.patients.get(patientId);
    if (!pending) {
      pending = this.guarded("patients.get",
        () => this.queue(() => this.client.get(this.path("patients", patientId))));
      // A failed look-up is not cached: the next render tries again.
      pending.catch(() => this.patients.delete(patientId));
      this.patients.set(patientId, pending);
    }
    return pending;
  }

  /** Look up, in batches of BATCH_PATIENTS, the patients not cached yet: a week costs a bounded number of
   * reads whatever its number of appointments. One not found is looked up alone the next time it is asked. */
  async primePatients(patientIds) {
    if (!this.ehr.supports("patients.search")) return; // each name falls back to its own look-up
    const missing = [...new Set(patientIds.filter((id) => id && !this.patients.has(id)))];
    const batches = [];
    for (let i = 0; i < missing.length; i += BATCH_PATIENTS) batches.push(missing.slice(i, i + BATCH_PATIENTS));
    await Promise.all(batches.map(async (ids) => {
      let found = [];
      try {
        found = await this.queue(() => this.client.get(this.path("patients"), { ids: ids.join(",") }));
      } catch {
        return; // each name then falls back to its own look-up
      }
      for (const patient of found) this.rememberPatient(patient);
      const gone = ids.filter((id) => !found.some((p) => p.id === id));
      for (const id of gone) {
        const unknown = Promise.reject(new Error(`No patient ${id}.`));
        unknown.catch(() => this.patients.delete(id));
        this.patients.set(id, unknown);
      }
    }));
  }

  rememberPatient(patient) {
    this.patients.set(patient.id, Promise.resolve(patient));
  }

  forgetPatients() {
    this.patients.clear();
  }

  searchPatients(query) {
    return this.guarded("patients.search", () => this.client.get(this.path("patients"), query));
  }

  async createPatient(body) {
    const patient = await this.guarded("patients.create", () => this.client.post(this.path("patients"), body));
    this.rememberPatient(patient);
    return patient;
  }

  book(body) {
    return this.guarded("appointments.create", () => this.client.post(this.path("appointments"), body));
  }

  /** A move (start/end) or a cancel (status "cancelled"): each is its own operation in the capabilities. */
  updateAppointment(appointmentId, body) {
    const operation = body.status === "cancelled" ? "appointments.cancel" : "appointments.update";
    return this.guarded(operation, () => this.client.patch(this.path("appointments", appointmentId), body));
  }

  notes(patientId) {
    return this.guarded("notes.list", () => this.client.get(this.path("patients", patientId, "medical-notes")));
  }

  documents(patientId) {
    return this.guarded("documents.list", () => this.client.get(this.path("patients", patientId, "documents")));
  }

  uploadDocument(patientId, body) {
    return this.guarded("documents.create",
      () => this.client.post(this.path("patients", patientId, "documents"), body));
  }

  downloadDocument(patientId, document) {
    return this.guarded("documents.get", () => this.client.file(
      this.path("patients", patientId, "documents", document.id), document.title || `document-${document.id}`));
  }
}
