// IndexedDB: the refresh token, cached API answers, settings and the offline queue.
const DB_NAME = "recovery-app";
const STORES = ["kv", "queue"];
let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        for (const name of STORES) {
          if (!request.result.objectStoreNames.contains(name)) {
            request.result.createObjectStore(name, name === "queue" ? { keyPath: "id" } : undefined);
          }
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opening;
}

async function run(store, mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const request = action(tx.objectStore(store));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = () => reject(tx.error);
  });
}

export const kv = {
  get: (key) => run("kv", "readonly", (s) => s.get(key)),
  set: (key, value) => run("kv", "readwrite", (s) => s.put(value, key)),
  delete: (key) => run("kv", "readwrite", (s) => s.delete(key)),
  clear: () => run("kv", "readwrite", (s) => s.clear()),
};

export const queue = {
  all: () => run("queue", "readonly", (s) => s.getAll()),
  put: (item) => run("queue", "readwrite", (s) => s.put(item)),
  delete: (id) => run("queue", "readwrite", (s) => s.delete(id)),
  clear: () => run("queue", "readwrite", (s) => s.clear()),
};
