// The offline queue: check-ins and checklist answers made without a connection wait in
// IndexedDB and go through the batch endpoints when it returns. Each carries the id the app
// made, so a replay (a flush cut off half-way) is answered from what the server stored.
import { ApiError, Offline, call } from "./api.js";
import { queue } from "./db.js";

export async function enqueue(kind, id, body) {
  await queue.put({ id, kind, body, queued_at: new Date().toISOString() });
  document.dispatchEvent(new CustomEvent("queuechange"));
}

export async function pending() {
  return queue.all();
}

let flushing = null;

// Send everything queued; resolves to { [id]: check-in body } for the check-ins stored.
export function flush() {
  if (!flushing) {
    flushing = send().finally(() => {
      flushing = null;
      document.dispatchEvent(new CustomEvent("queuechange"));
    });
  }
  return flushing;
}

async function send() {
  const items = await queue.all();
  const stored = {};
  const checkins = items.filter((item) => item.kind === "checkin");
  const entries = items.filter((item) => item.kind === "checklist");
  try {
    for (let start = 0; start < checkins.length; start += 100) {
      const chunk = checkins.slice(start, start + 100);
      const answer = await call("POST", "me/check-ins/batch/", {
        check_ins: chunk.map((item) => item.body),
      });
      for (const result of answer.results) {
        const item = chunk[result.index];
        // 200/201: stored (201 now, 200 an earlier replay); 400/409 will never succeed.
        if ([200, 201, 400, 409].includes(result.status)) await queue.delete(item.id);
        if (result.check_in) stored[item.id] = result.check_in;
      }
    }
    if (entries.length) {
      try {
        await call("POST", "me/checklist/", entries.map((item) => item.body));
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 400)) throw error;
      }
      for (const item of entries) await queue.delete(item.id);
    }
  } catch (error) {
    if (!(error instanceof Offline)) throw error;
  }
  return stored;
}
