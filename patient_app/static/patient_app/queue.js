// The offline queue: check-ins, checklist answers and wound photos made without a connection
// wait in IndexedDB and go through the batch endpoints (photos: one multipart upload each)
// when it returns. Each carries the id the app
// made, so a replay (a flush cut off half-way) is answered from what the server stored.
import { ApiError, Offline, call } from "./api.js";
import { queue } from "./db.js";

// `blob`: a wound photo's image, kept in IndexedDB as it is until it is sent.
export async function enqueue(kind, id, body, blob = null) {
  await queue.put({ id, kind, body, blob, queued_at: new Date().toISOString() });
  document.dispatchEvent(new CustomEvent("queuechange"));
}

export async function pending() {
  return queue.all();
}

let flushing = null;

// Send everything queued; resolves to { [id]: stored body } for the check-ins and photos stored.
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
  const photos = items.filter((item) => item.kind === "photo");
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
        // Refused for good: the screen must say so, never "waiting to send" for a lost answer.
        else if ([400, 409].includes(result.status)) stored[item.id] = { refused: result.error || {} };
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
    // Photos after check-ins, so the check-in a photo is linked to is stored first.
    const left = new Set((await queue.all()).filter((i) => i.kind === "checkin").map((i) => i.id));
    for (const item of photos) {
      if (item.body.check_in && left.has(item.body.check_in)) continue; // its check-in waits
      const photo = await sendPhoto(item);
      if (photo) stored[item.id] = photo;
    }
  } catch (error) {
    if (!(error instanceof Offline)) throw error;
  }
  return stored;
}

// One photo, by its client id: a replay (the answer lost on the way back) returns the photo
// stored the first time (200) and creates nothing.
async function sendPhoto(item) {
  const form = new FormData();
  form.append("id", item.id);
  form.append("taken_at", item.body.taken_at);
  form.append("image", item.blob, item.body.name || "photo.jpg");
  if (item.body.check_in) form.append("check_in", item.body.check_in);
  try {
    const photo = await call("POST", "me/wound-photos/", form);
    await queue.delete(item.id);
    return photo;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const fields = (error.body && error.body.extra && error.body.extra.fields) || {};
    if (error.status === 400 && fields.check_in && item.body.check_in) {
      // Its check-in was refused: the photo still goes, on its own.
      await queue.put({ ...item, body: { ...item.body, check_in: null } });
      return sendPhoto({ ...item, body: { ...item.body, check_in: null } });
    }
    // 400 (not an image) and 413 (too large) will never succeed; 5xx waits for the next flush.
    if (error.status === 400 || error.status === 413) await queue.delete(item.id);
    return null;
  }
}
