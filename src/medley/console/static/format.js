// Dates and times in a care unit's time zone, with nothing but Intl.
// A "civil date" is {year, month, day} with no zone; an instant is a Date.

const partFormatters = new Map();

function partsFormatter(timeZone) {
  let formatter = partFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric",
    });
    partFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock fields of an instant in a zone. */
export function zonedParts(instant, timeZone) {
  const fields = {};
  for (const { type, value } of partsFormatter(timeZone).formatToParts(instant)) {
    if (type !== "literal") fields[type] = Number(value);
  }
  return {
    year: fields.year, month: fields.month, day: fields.day,
    hour: fields.hour % 24, minute: fields.minute, second: fields.second,
  };
}

function offsetMs(instant, timeZone) {
  const p = zonedParts(instant, timeZone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant at `minutes` after midnight of a civil date in a zone (DST gaps resolve forward). */
export function instantOf(date, minutes, timeZone) {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minutes * 60_000;
  // Two rounds settle the offset, including on the day of a DST change.
  let guess = wall - offsetMs(new Date(wall), timeZone);
  guess = wall - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

export function civilDateOf(instant, timeZone) {
  const { year, month, day } = zonedParts(instant, timeZone);
  return { year, month, day };
}

export function addDays(date, days) {
  const t = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

export function mondayOf(date) {
  const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}

/** The date itself on a weekday; the Monday after it on a Saturday or a Sunday (the next working day). */
export function nextWorkingDay(date) {
  const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay(); // 0 = Sunday
  return addDays(date, weekday === 6 ? 2 : weekday === 0 ? 1 : 0);
}

export function dateKey(date) {
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

export function parseDateKey(key) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key || "");
  return match ? { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) } : null;
}

/** Minutes since local midnight of the instant, in the zone. */
export function minutesIntoDay(instant, timeZone) {
  const p = zonedParts(instant, timeZone);
  return p.hour * 60 + p.minute;
}

const formatters = new Map();

function cachedFormat(key, options) {
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(undefined, options);
    formatters.set(key, formatter);
  }
  return formatter;
}

function utcNoon(date) {
  return new Date(Date.UTC(date.year, date.month - 1, date.day, 12));
}

export function formatTime(instant, timeZone) {
  // 24-hour clock: compact enough for a 15-minute slot in a calendar column.
  return cachedFormat(`time|${timeZone}`, { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    .format(instant);
}

export function formatTimeRange(start, end, timeZone) {
  return `${formatTime(start, timeZone)}–${formatTime(end, timeZone)}`;
}

export function formatDay(date) {
  return cachedFormat("day", { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" })
    .format(utcNoon(date));
}

export function formatLongDay(date) {
  return cachedFormat("long-day", { timeZone: "UTC", weekday: "long", day: "numeric", month: "long" })
    .format(utcNoon(date));
}

export function formatDate(date) {
  return cachedFormat("date", { timeZone: "UTC", weekday: "short", day: "numeric", month: "short", year: "numeric" })
    .format(utcNoon(date));
}

export function formatDateTime(instant, timeZone) {
  return cachedFormat(`datetime|${timeZone}`, {
    timeZone, weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23",
  }).format(instant);
}

export function formatWeek(monday) {
  const formatter = cachedFormat("week", { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" });
  return formatter.formatRange(utcNoon(monday), utcNoon(addDays(monday, 6)));
}

/** A YYYY-MM-DD birth date, shown as a date (no zone: it is not an instant). */
export function formatBirthDate(value) {
  const date = parseDateKey(value);
  if (!date) return value || "";
  return cachedFormat("birth", { timeZone: "UTC", day: "numeric", month: "long", year: "numeric" })
    .format(utcNoon(date));
}

export function formatBytes(size) {
  if (size == null) return "";
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}

export function personName(person) {
  return [person?.first_name, person?.last_name].filter(Boolean).join(" ") || person?.name || "";
}

/** A name's shorter forms, longest first, for a narrow calendar block to show one whole rather than cut:
 * "Ada Lovelace", "Ada L.", "Ada", "A. L.". */
export function nameForms(name) {
  const full = String(name || "").trim();
  const words = full.split(/\s+/).filter(Boolean);
  if (words.length < 2) return [full];
  const [first, last] = [words[0], words[words.length - 1]];
  return [...new Set([full, `${first} ${last[0]}.`, first, `${first[0]}. ${last[0]}.`])];
}

export const STATUS_LABELS = {
  booked: "Booked",
  awaiting_confirmation: "Awaiting confirmation",
  completed: "Completed",
  cancelled: "Cancelled",
  did_not_arrive: "Did not arrive",
};

export function statusLabel(status) {
  return STATUS_LABELS[status] || status;
}
