// The /api/v1/ client with the JWT flow: token, refresh (rotated), logout.
// The access token lives in memory only; the refresh token in IndexedDB, cleared on sign-out.
import { kv, queue } from "./db.js";

const BASE = "/api/v1/";
const REFRESH_KEY = "refresh";
let access = null;

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export class Offline extends Error {}

async function raw(method, path, body, token) {
  const headers = { Accept: "application/json" };
  // A FormData body (a wound photo) goes as multipart; the browser writes its boundary.
  const form = typeof FormData !== "undefined" && body instanceof FormData;
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined || form ? body : JSON.stringify(body),
      credentials: "omit",
    });
  } catch (error) {
    throw new Offline(String(error));
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

async function keep(tokens) {
  access = tokens.access;
  await kv.set(REFRESH_KEY, tokens.refresh);
}

export async function signIn(username, password) {
  await keep(await raw("POST", "auth/token/", { username, password }));
}

export async function activate(activationCode, username, password) {
  await keep(
    await raw("POST", "auth/activate/", { activation_code: activationCode, username, password }),
  );
}

export async function hasSession() {
  return Boolean(access || (await kv.get(REFRESH_KEY)));
}

// One refresh at a time: a rotated-out refresh token replayed would revoke the whole sign-in.
let refreshing = null;
async function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const token = await kv.get(REFRESH_KEY);
      if (!token) throw new ApiError(401, { message: "Signed out." });
      try {
        await keep(await raw("POST", "auth/token/refresh/", { refresh: token }));
      } catch (error) {
        if (error instanceof ApiError) {
          access = null;
          await kv.delete(REFRESH_KEY);
        }
        throw error;
      }
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

export async function call(method, path, body) {
  if (!access) await refresh();
  try {
    return await raw(method, path, body, access);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      await refresh();
      return raw(method, path, body, access);
    }
    throw error;
  }
}

// GET with an offline fallback: the last good answer is kept in IndexedDB.
export async function get(path) {
  try {
    const data = await call("GET", path);
    await kv.set(`get:${path}`, data);
    return data;
  } catch (error) {
    if (error instanceof Offline) {
      const cached = await kv.get(`get:${path}`);
      if (cached !== undefined) return cached;
    }
    throw error;
  }
}

export async function publicGet(path) {
  try {
    const data = await raw("GET", path);
    await kv.set(`get:${path}`, data);
    return data;
  } catch (error) {
    const cached = await kv.get(`get:${path}`);
    if (cached !== undefined) return cached;
    throw error;
  }
}

export async function signOut() {
  const token = await kv.get(REFRESH_KEY);
  try {
    if (token) await raw("POST", "auth/logout/", { refresh: token }, access);
  } catch (error) {
    // Signed out locally either way; the server forgets the token when it expires.
  }
  access = null;
  await kv.clear();
  await queue.clear();
}
