// Pure calendar geometry: which hours to show, and side-by-side columns for overlapping appointments.

/** The visible hour range [first, last) covering every item (minutes since local midnight); 8–18 when empty. */
export function hourRange(spans) {
  let first = 24;
  let last = 0;
  for (const { from, to } of spans) {
    first = Math.min(first, Math.floor(from / 60));
    last = Math.max(last, Math.ceil(to / 60));
  }
  if (first >= last) return { first: 8, last: 18 };
  return { first: Math.max(0, Math.min(first, 8)), last: Math.min(24, Math.max(last, first + 8)) };
}

/**
 * Assigns overlapping items to columns: each item gets {column, columns}, where `columns` is the width
 * of the group of items that overlap it directly or through others. Items need `from` and `to`.
 */
export function assignColumns(items) {
  const sorted = [...items].sort((a, b) => a.from - b.from || b.to - a.to);
  const placed = [];
  let group = [];
  let columnEnds = [];
  let groupEnd = -Infinity;
  const closeGroup = () => {
    for (const entry of group) entry.columns = columnEnds.length;
    group = [];
    columnEnds = [];
  };
  for (const item of sorted) {
    if (item.from >= groupEnd) closeGroup();
    let column = columnEnds.findIndex((end) => end <= item.from);
    if (column === -1) {
      column = columnEnds.length;
      columnEnds.push(item.to);
    } else {
      columnEnds[column] = item.to;
    }
    const entry = { item, column, columns: 1 };
    group.push(entry);
    placed.push(entry);
    groupEnd = Math.max(groupEnd, item.to);
  }
  closeGroup();
  return placed;
}

/**
 * Free slots often overlap (a 60-minute service may start every 15 minutes): each slot is drawn from its
 * start to the next slot's start (or its own end, if sooner), so they stack without covering each other.
 */
export function slotSpans(slots) {
  const sorted = [...slots].sort((a, b) => a.from - b.from);
  return sorted.map((slot, index) => {
    const next = sorted[index + 1];
    const to = next && next.from > slot.from ? Math.min(slot.to, next.from) : slot.to;
    return { ...slot, drawTo: to };
  });
}
